// Shared memory, TPM and video checked as libvirt 9.0's test driver checks them (errors and XML recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

describe('shmem, tpm, video', () => {
  it.each([
    ['a shmem without a name', "<shmem><model type='ivshmem-plain'/></shmem>", [27, 20, "XML error: shmem element must contain 'name' attribute"]],
    [
      'an unknown shmem role',
      "<shmem name='a' role='boss'><model type='ivshmem-plain'/></shmem>",
      [27, 5, "XML error: Invalid value for attribute 'role' in element 'shmem': 'boss'."],
    ],
    [
      'an unknown shmem model',
      "<shmem name='a'><model type='foo'/></shmem>",
      [27, 5, "XML error: Invalid value for attribute 'type' in element 'model': 'foo'."],
    ],
    [
      'msi without a server',
      "<shmem name='a'><model type='ivshmem-doorbell'/><msi vectors='2'/></shmem>",
      [27, 20, 'XML error: msi option is only supported with a server'],
    ],
    ['a TPM without a backend', "<tpm model='tpm-tis'/>", [27, 20, 'XML error: missing TPM device backend']],
    [
      'a TPM with two backends',
      "<tpm model='tpm-tis'><backend type='emulator'/><backend type='emulator'/></tpm>",
      [27, 20, 'XML error: only one TPM backend is supported'],
    ],
    [
      'a none video beside another',
      "<video><model type='none'/></video><video><model type='vga'/></video>",
      [67, 20, "unsupported configuration: a 'none' video type must be the only video device defined for the domain"],
    ],
    [
      'ram on a VGA card',
      "<video><model type='vga' ram='1024'/></video>",
      [67, 20, 'unsupported configuration: ram attribute only supported for video type qxl'],
    ],
    [
      'vgamem on a virtio card',
      "<video><model type='virtio' vgamem='1024'/></video>",
      [67, 20, 'unsupported configuration: vgamem attribute only supported for video type qxl'],
    ],
    [
      'an address on ramfb',
      "<video><model type='ramfb'/><address type='pci' slot='3'/></video>",
      [67, 20, 'unsupported configuration: address not supported for video type ramfb'],
    ],
    [
      'a zero resolution',
      "<video><model type='virtio'><resolution x='0' y='600'/></model></video>",
      [67, 20, 'unsupported configuration: video resolution values must be greater than 0'],
    ],
    [
      'a vhost-user VGA card',
      "<video><driver name='vhostuser'/><model type='vga'/></video>",
      [67, 20, "unsupported configuration: 'vhostuser' driver is only supported with 'virtio' device"],
    ],
    [
      'a memory device without guest NUMA',
      "<memory model='dimm'><target><size unit='KiB'>131072</size><node>1</node></target></memory>",
      [35, 20, "can't add memory backend as guest has no NUMA nodes configured"],
    ],
    [
      'a memory device node that is not a number',
      "<memory model='dimm'><target><size unit='KiB'>131072</size><node>x</node></target></memory>",
      [27, 20, 'XML error: invalid value of memory device node'],
    ],
    [
      'a network listen without a network',
      "<graphics type='vnc'><listen type='network'/></graphics>",
      [27, 20, "XML error: 'network' attribute is required for listen type 'network'"],
    ],
    [
      'a peer-to-peer D-Bus display with an address',
      "<graphics type='dbus' p2p='yes' address='unix:path=/tmp/x'/>",
      [27, 20, 'XML error: D-Bus p2p with an address is not supported'],
    ],
    ['an audio id twice', "<audio id='1' type='none'/><audio id='1' type='none'/>", [27, 20, 'XML error: audio ID 1 is used multiple times']],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it('refuses a memory device for a NUMA node past the guest’s', () => {
    const xml = domain(
      "<memory model='dimm'><target><size unit='KiB'>131072</size><node>1</node></target></memory>",
      "<maxMemory slots='4' unit='KiB'>4194304</maxMemory>",
    ).replace('<devices>', "<cpu><numa><cell id='0' cpus='0' memory='524288'/></numa></cpu><devices>");
    expect(defineError(xml)).toEqual([35, 20, "can't add memory backend for guest node '1' as the guest has only '1' NUMA nodes configured"]);
  });

  it('writes no listens for a display that has none (SDL, D-Bus)', () => {
    const xml = formattedDomain(domain("<graphics type='sdl'><listen type='network'/></graphics>"));
    expect(xml).toContain("<graphics type='sdl'/>");
    expect(xml).not.toContain('<listen');
  });

  it('writes shmem as libvirt does: model (ivshmem by default), size in MiB, server, msi, then alias', () => {
    const xml = formattedDomain(
      domain(
        "<shmem name='a' role='peer'><model type='ivshmem-plain'/><size unit='KiB'>4096</size><alias name='ua-x'/></shmem>" +
          "<shmem name='b' role='master'><server path='/tmp/s'/><msi vectors='0' ioeventfd='on'/><size>1048576</size></shmem>",
      ),
    );
    const shmem = xml.slice(xml.indexOf('<shmem'), xml.lastIndexOf('</shmem>') + 8);
    expect(shmem.split('\n').map((l) => l.trim())).toEqual([
      "<shmem name='a' role='peer'>",
      "<model type='ivshmem-plain'/>",
      "<size unit='M'>4</size>",
      "<alias name='ua-x'/>",
      '</shmem>',
      "<shmem name='b'>",
      "<model type='ivshmem'/>",
      "<size unit='M'>1</size>",
      "<server path='/tmp/s'/>",
      "<msi ioeventfd='on'/>",
      '</shmem>',
    ]);
  });
});

describe('panic and watchdog', () => {
  const devicesOf = (devices: string) => {
    const lines = formattedDomain(domain(devices))
      .split('\n')
      .map((l) => l.trim());
    return lines.slice(lines.indexOf('<devices>') + 1, lines.indexOf('</devices>')).filter((l) => /^<\/?(panic|watchdog|address|alias)/.test(l));
  };

  it('writes no panic device with the default model and nothing else, and a watchdog’s action, reset by default', () => {
    expect(devicesOf("<panic/><panic model='default'/><watchdog model='i6300esb'/>")).toEqual(["<watchdog model='i6300esb' action='reset'/>"]);
    expect(devicesOf("<panic model='isa'><address type='isa' iobase='0x505'/></panic><panic><alias name='ua-p'/></panic>")).toEqual([
      "<panic model='isa'>",
      "<address type='isa' iobase='0x505'/>",
      '</panic>',
      '<panic>',
      "<alias name='ua-p'/>",
      '</panic>',
    ]);
  });

  it.each([
    ['an unknown panic model', "<panic model='x'/>", [67, 20, "unsupported configuration: unknown panic model 'x'"]],
    ['a watchdog without model', '<watchdog/>', [1, 20, 'internal error: watchdog must contain model name']],
    ['an unknown watchdog model', "<watchdog model='x'/>", [67, 20, "unsupported configuration: unknown watchdog model 'x'"]],
    ['an unknown watchdog action', "<watchdog model='ib700' action='x'/>", [67, 20, "unsupported configuration: unknown watchdog action 'x'"]],
    ['two watchdogs', "<watchdog model='ib700'/><watchdog model='i6300esb'/>", [1, 20, 'internal error: only a single watchdog device is supported']],
    ['two balloons', "<memballoon model='virtio'/><memballoon model='none'/>", [1, 20, 'internal error: only a single memory balloon device is supported']],
  ])('refuses %s', (_what, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });
});
