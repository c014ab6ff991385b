// The define fuzz's classes on a real virtwired's test driver: what libvirt 9.0 refuses, the error it reports first, and how it writes what it keeps (recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { domainXml, testDriverSession } from '../helpers/libvirt-inputs.js';

const t = testDriverSession();

/** `[code, domain, message]` of defining `devices` (and `extra` after `<os>`), or 'ok' (the domain is undefined again). */
async function define(devices: string, extra = ''): Promise<[number, number, string] | 'ok'> {
  const xml = domainXml('fuzzed', devices, extra);
  try {
    await t.defineAndDump(xml);
    return 'ok';
  } catch {
    const e = await failure(t.conn.domainDefineXML(xml));
    return [e.code, e.domain, e.message];
  }
}

describe('random definitions, as libvirt’s test driver takes them', () => {
  it.each([
    [
      'a controller model of another type',
      "<controller type='virtio-serial' model='piix3-uhci'/>",
      [67, 20, "unsupported configuration: Unknown model type 'piix3-uhci'"],
    ],
    [
      'a controller error before an interface error written first',
      "<interface type='user'><mac address='zz'/></interface><controller type='scsi' model='qemu-xhci'/>",
      [67, 20, "unsupported configuration: Unknown model type 'qemu-xhci'"],
    ],
    [
      'an unknown disk cache mode',
      "<disk type='file'><driver name='qemu' cache='bogus'/><source file='/tmp/a.img'/><target dev='vda' bus='virtio'/></disk>",
      [27, 5, "XML error: Invalid value for attribute 'cache' in element 'driver': 'bogus'."],
    ],
    [
      'a multicast MAC address',
      "<interface type='user'><mac address='01:00:00:00:00:01'/></interface>",
      [27, 20, "XML error: expected unicast mac address, found multicast '01:00:00:00:00:01'"],
    ],
    [
      'an interface model with invalid characters',
      "<interface type='user'><mac address='zz'/><model type='bogus!'/></interface>",
      [8, 20, 'invalid argument: Model name contains invalid characters'],
    ],
    [
      'a spicevmc serial port',
      "<serial type='spicevmc'><target type='isa-serial'/></serial>",
      [67, 20, 'unsupported configuration: spicevmc device type only supports virtio'],
    ],
    ['a channel without a target type', "<channel type='pty'/>", [27, 20, 'XML error: target type must be specified for channel device']],
    [
      'two consoles without a target type',
      "<console type='pty'/><console type='pty'/>",
      [67, 20, 'unsupported configuration: Only the first console can be a serial port'],
    ],
    [
      'a SPICE autoport that is neither yes nor no',
      "<graphics type='spice' autoport='x1'/>",
      [27, 5, "XML error: Invalid value for attribute 'autoport' in element 'graphics': 'x1'."],
    ],
    [
      'a disk bus check before two disks on one target',
      "<disk type='file' device='floppy'><source file='/tmp/a'/><target dev='fda' bus='fdc'/></disk><disk type='file'><source file='/tmp/b'/><target dev='fda' bus='fdc'/></disk>",
      [1, 20, "internal error: Invalid bus type 'fdc' for disk"],
    ],
    ['two vsock devices', "<vsock model='virtio'/><vsock model='virtio'/>", [27, 20, 'XML error: only a single vsock device is supported']],
  ])('refuses %s', async (_name, devices, expected) => {
    expect(await define(devices)).toEqual(expected);
  });

  it('writes a variable clock with its basis, and a clock adjusted from UTC as a variable one', async () => {
    expect(await t.defineAndDump(domainXml('clock', '', "<clock offset='variable' adjustment='10'/>"))).toContain(
      "<clock offset='variable' adjustment='10' basis='utc'/>",
    );
    expect(await t.defineAndDump(domainXml('clock', '', "<clock offset='localtime' adjustment='-5'/>"))).toContain(
      "<clock offset='variable' adjustment='-5' basis='localtime'/>",
    );
  });

  it('writes no heads for a card given none, and nothing but the type of a none card', async () => {
    const xml = await t.defineAndDump(domainXml('video', "<video><model type='cirrus' heads='0'/></video>"));
    expect(xml).toContain("<model type='cirrus' vram='16384' primary='yes'/>");
    const none = await t.defineAndDump(domainXml('video', "<video><model type='none' heads='2'/><address type='pci' slot='3'/></video>"));
    expect(none).toContain("<video>\n      <model type='none'/>\n    </video>");
  });

  it('writes an automatic RDP port as port 0, and a parallel port’s target without a type', async () => {
    const xml = await t.defineAndDump(
      domainXml('rdp', "<graphics type='rdp' port='5999' autoport='yes'/><parallel type='pty'><target type='isa-serial'/></parallel>"),
    );
    expect(xml).toContain("<graphics type='rdp' port='0' autoport='yes'>");
    expect(xml).toContain("<parallel type='pty'>\n      <target port='0'/>");
  });

  it('generates a MAC address in libvirt’s range for an interface that names none', async () => {
    const xml = await t.defineAndDump(domainXml('nic', "<interface type='user'><model type='e1000'/></interface>"));
    expect(xml).toMatch(/<interface type='user'>\n {6}<mac address='52:54:00(:[0-9a-f]{2}){3}'\/>/);
  });
});
