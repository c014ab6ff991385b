// What libvirt 9.0's qemu:///session fills in or refuses at define where the domain sweep (--qemu) found the qemu driver apart.
import { DomainXMLFlags, ErrorDomain, ErrorNumber } from '@virtwire/client';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { failure, hasQemu } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const domain = (name: string, parts: { machine?: string; top?: string; os?: string; devices?: string; vcpus?: number }) =>
  `<domain type='qemu'><name>${name}</name><memory unit='KiB'>131072</memory><vcpu>${parts.vcpus ?? 1}</vcpu>` +
  `<os><type arch='x86_64' machine='${parts.machine ?? 'q35'}'>hvm</type>${parts.os ?? ''}</os>${parts.top ?? ''}<devices>${parts.devices ?? ''}</devices></domain>`;

/** True when this machine's /dev/kvm opens read-write: the daemon then defines type='kvm'. */
const kvmHere = (() => {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasQemu)('qemu driver: define as libvirt 9.0', () => {
  const qemu = useQemuDaemon({ confined: false, inspectionMonitor: false });

  const defined = async (xml: string) => {
    const dom = await qemu.conn.domainDefineXML(xml);
    const text = await dom.getXMLDesc(DomainXMLFlags.Inactive);
    await dom.undefine();
    return text;
  };

  it('refuses a disk target naming a partition, and UEFI without ACPI, with libvirt errors', async () => {
    const partition = await failure(
      qemu.conn.domainDefineXML(
        domain('part', { devices: "<disk type='file' device='disk'><source file='/var/tmp/vw-p.qcow2'/><target dev='vdb1' bus='virtio'/></disk>" }),
      ),
    );
    expect([partition.code, partition.domain, partition.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Qemu,
      "unsupported configuration: invalid disk target 'vdb1', partitions can't appear in disk targets",
    ]);
    const noAcpi = await failure(qemu.conn.domainDefineXML(domain('efi', { os: '', top: '' }).replace('<os>', "<os firmware='efi'>")));
    expect([noAcpi.code, noAcpi.domain, noAcpi.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Qemu,
      'unsupported configuration: UEFI requires ACPI on this architecture',
    ]);
  });

  it("gives a CPU with only a topology the machine's default model, and a TCG custom CPU check='none'", async () => {
    const topology = await defined(domain('topo', { vcpus: 2, top: "<cpu><topology sockets='1' cores='2' threads='1'/></cpu>" }));
    expect(topology).toContain(
      "  <cpu mode='custom' match='exact' check='none'>\n    <model fallback='forbid'>qemu64</model>\n    <topology sockets='1' dies='1' cores='2' threads='1'/>\n  </cpu>\n",
    );
    const model = await defined(domain('model', { top: "<cpu mode='custom' match='exact'><model fallback='forbid'>Nehalem</model></cpu>" }));
    expect(model).toContain("  <cpu mode='custom' match='exact' check='none'>\n    <model fallback='forbid'>Nehalem</model>\n  </cpu>\n");
  });

  it("refuses a virt type QEMU does not run before looking at its paths, naming the emulator's path as libvirt", async () => {
    // genericxml2xmlindata/disk-hyperv-physical.xml's shape: a hyperv domain whose disk is no absolute path
    const hyperv = await failure(
      qemu.conn.domainDefineXML(
        domain('hv', { devices: "<disk type='block' device='disk'><source dev='2'/><target dev='sdb' bus='scsi'/></disk>" }).replace(
          "type='qemu'",
          "type='hyperv'",
        ),
      ),
    );
    const emulator = execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim();
    expect([hyperv.code, hyperv.domain, hyperv.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Qemu,
      `unsupported configuration: Emulator '${emulator}' does not support virt type 'hyperv'`,
    ]);
  });

  it('refuses a disk source passed as file descriptors (fdgroup) as outside its subset, in the QEMU error domain', async () => {
    // libvirt's qemu driver takes fdgroup (virDomainFDAssociate at start); this driver cannot receive descriptors
    const fd = await failure(
      qemu.conn.domainDefineXML(
        domain('fd', { devices: "<disk type='file' device='disk'><source file='/var/tmp/vw-fd.qcow2' fdgroup='g1'/><target dev='vda' bus='virtio'/></disk>" }),
      ),
    );
    expect([fd.code, fd.domain]).toEqual([ErrorNumber.ConfigUnsupported, ErrorDomain.Qemu]);
    expect(fd.message).toMatch(/^unsupported configuration: .*fdgroup/);
  });

  it('refuses firmware features without firmware autoselection, as libvirt (virDomainDefOSValidate)', async () => {
    const features = await failure(
      qemu.conn.domainDefineXML(domain('fw', { os: "<firmware><feature enabled='no' name='enrolled-keys'/></firmware>", top: '<features><acpi/></features>' })),
    );
    expect([features.code, features.domain, features.message]).toEqual([
      ErrorNumber.XmlDetail,
      ErrorDomain.Domain,
      'cannot use feature-based firmware autoselection when firmware autoselection is disabled',
    ]);
  });

  it("drops a virtio channel's socket path that looks generated (domain-*/<name>), as libvirt's qemuDomainChrDefDropDefaultPath", async () => {
    const channel = (path: string, name: string) => `<channel type='unix'><source mode='bind' path='${path}'/><target type='virtio' name='${name}'/></channel>`;
    const xml = await defined(
      domain('chan', {
        devices:
          channel('/var/tmp/vw-channel/domain-chan/org.qemu.guest_agent.0', 'org.qemu.guest_agent.0') +
          channel('/var/tmp/vw-channel/chan/org.qemu.guest_agent.1', 'org.qemu.guest_agent.1'),
      }),
    );
    // qemuxml2argvdata/channel-unix-source-path.xml on libvirt 9.0: the first loses its path (and so its <source>), the second keeps it
    expect(xml).toContain(
      "    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n      <address type='virtio-serial' controller='0' bus='0' port='1'/>\n",
    );
    expect(xml).toContain(
      "    <channel type='unix'>\n      <source mode='bind' path='/var/tmp/vw-channel/chan/org.qemu.guest_agent.1'/>\n      <target type='virtio' name='org.qemu.guest_agent.1'/>\n",
    );
  });

  it('writes the default NVRAM path of a read-only pflash loader that names none, as libvirt writes its own at define', async () => {
    const uefi = (name: string, nvram: string) =>
      domain(name, {
        os: `<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>${nvram}`,
        top: '<features><acpi/></features>',
      });
    const nvramOf = async (xml: string) => {
      const dom = await qemu.conn.domainDefineXML(xml);
      const text = await dom.getXMLDesc(DomainXMLFlags.Inactive);
      await dom.undefine(4); // UNDEFINE_NVRAM
      return /^ {4}<nvram.*$/m.exec(text)?.[0];
    };
    // qemuxml2argvdata/firmware-manual-efi-nvram-template.xml on libvirt 9.0: `<nvramDir>/<name>_VARS.fd` beside the template
    expect(await nvramOf(uefi('tmpl', "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'/>"))).toBe(
      `    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>${qemu.stateDir}/qemu/nvram/tmpl_VARS.fd</nvram>`,
    );
    expect(await nvramOf(uefi('bare', ''))).toBe(`    <nvram>${qemu.stateDir}/qemu/nvram/bare_VARS.fd</nvram>`);
    expect(await nvramOf(uefi('named', '<nvram>/var/tmp/vw-named_VARS.fd</nvram>'))).toBe('    <nvram>/var/tmp/vw-named_VARS.fd</nvram>');
  });

  it.skipIf(!kvmHere)("gives a KVM guest without a CPU model qemu64 as a TCG one, and host-passthrough migratable='on'", async () => {
    const kvm = (xml: string) => xml.replace("type='qemu'", "type='kvm'");
    const none = await defined(kvm(domain('kvm-cpu', {})));
    expect(none).toContain("  <cpu mode='custom' match='exact' check='none'>\n    <model fallback='forbid'>qemu64</model>\n  </cpu>\n");
    const host = await defined(kvm(domain('kvm-host', { top: "<cpu mode='host-passthrough'/>" })));
    expect(host).toContain("  <cpu mode='host-passthrough' check='none' migratable='on'/>\n");
    const off = await defined(kvm(domain('kvm-host-off', { top: "<cpu mode='host-passthrough' migratable='off'/>" })));
    expect(off).toContain("  <cpu mode='host-passthrough' check='none' migratable='off'/>\n");
  });

  it("gives a USB controller without a model piix3-uhci; 'none' gets no address, and no device means no spare root port", async () => {
    const pc = await defined(domain('usb-pc', { machine: 'pc', devices: "<controller type='usb' index='0'/>" }));
    expect(pc).toContain(
      "<controller type='usb' index='0' model='piix3-uhci'>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>",
    );
    // on q35 too: the qemu-xhci default is only for the controller libvirt adds itself
    const q35 = await defined(domain('usb-q35', { devices: "<controller type='usb' index='0'/>" }));
    expect(q35).toContain("<controller type='usb' index='0' model='piix3-uhci'>");
    const none = await defined(domain('usb-none', { devices: "<controller type='usb' index='0' model='none'/><memballoon model='none'/>" }));
    expect(none).toContain("    <controller type='usb' index='0' model='none'/>\n");
    expect(none).not.toContain('pcie-root-port');
  });

  // found by the differential fuzz (define-differential-fuzz.test.ts), checked against libvirtd 9.0
  it('refuses a second memballoon, a pcie-to-pci-bridge off a root port and a PIIX3 USB controller off 00:01.2, with libvirt errors', async () => {
    const balloons = await failure(qemu.conn.domainDefineXML(domain('balloons', { devices: "<memballoon model='virtio'/><memballoon model='virtio'/>" })));
    expect([balloons.code, balloons.domain, balloons.message]).toEqual([
      ErrorNumber.InternalError,
      ErrorDomain.Domain,
      'internal error: only a single memory balloon device is supported',
    ]);
    const bridge = await failure(
      qemu.conn.domainDefineXML(
        domain('bridge', {
          devices:
            "<controller type='pci' model='pcie-to-pci-bridge' index='8'><address type='pci' domain='0x0000' bus='0x00' slot='0x12' function='0x3'/></controller>",
        }),
      ),
    );
    expect([bridge.code, bridge.domain, bridge.message]).toEqual([
      ErrorNumber.XmlError,
      ErrorDomain.Domain,
      "XML error: The device at PCI address 0000:00:12.3 cannot be plugged into the PCI controller with index='0'. It requires a controller that accepts a pcie-to-pci-bridge.",
    ]);
    const uhci = await failure(
      qemu.conn.domainDefineXML(
        domain('uhci', {
          machine: 'pc',
          devices: "<controller type='usb' model='piix3-uhci'><address type='pci' domain='0x0000' bus='0x00' slot='0x1e' function='0x7'/></controller>",
        }),
      ),
    );
    expect([uhci.code, uhci.domain, uhci.message]).toEqual([
      ErrorNumber.InternalError,
      ErrorDomain.Qemu,
      'internal error: PIIX3 USB controller at index 0 must have PCI address 0:0:1.2',
    ]);
  });

  it('keeps nothing of a first video of type none but its type, and puts a virtio video on a bus past the last behind root ports, as libvirt', async () => {
    const none = await defined(
      domain('video-none', { devices: "<video><model type='none'/><address type='pci' domain='0x0000' bus='0x00' slot='0x16' function='0x6'/></video>" }),
    );
    expect(none).toContain("    <video>\n      <model type='none'/>\n    </video>\n");
    // libvirt 9.0: root ports 1 and 2 for the video's bus, the USB controller on 1, the balloon on a third, a spare fourth
    const virtio = await defined(
      domain('video-bus', { devices: "<video><model type='virtio'/><address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></video>" }),
    );
    expect(virtio.match(/<controller type='pci' index='\d' model='pcie-root-port'>/g)).toHaveLength(4);
    expect(virtio).toContain(
      "<controller type='usb' index='0' model='qemu-xhci'>\n      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>",
    );
    expect(virtio).toContain("<memballoon model='virtio'>\n      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>");
  });

  it('takes an address on domain, bus and slot 0 for none, whatever its function (virPCIDeviceAddressIsEmpty), as libvirt', async () => {
    const uhci = await defined(
      domain('uhci-0', {
        machine: 'pc',
        devices: "<controller type='usb' model='piix3-uhci'><address type='pci' domain='0x0000' bus='0x00' slot='0x00' function='0x4'/></controller>",
      }),
    );
    expect(uhci).toContain(
      "<controller type='usb' index='0' model='piix3-uhci'>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>",
    );
  });
});
