// Nothing accepted and dropped: each element of libvirt's domain format the qemu driver accepts is realised in a real QEMU, every other one is refused.
import { DomainCreateFlags, ErrorNumber, type ByteStream, type Domain } from '@virtwire/client';
import { DOMAIN_SCHEMA, type ElementRule } from '@virtwire/protocol/xml';
import { QmpClient } from '@virtwire/server/qemu-engine';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, hasQemu, inspect } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

/** What a started guest shows of itself: its argv, its QOM devices by id, its character devices, a QMP connection. */
interface Started {
  argv: string[];
  qmp: QmpClient;
  peripheral: Map<string, string>;
  chardevs: Map<string, string>;
  qtree: string;
}

/** One accepted element: where it goes, and how the started QEMU shows it. */
interface Accepted {
  element: string;
  xml: string;
  /** `devices` (default) or `top` (a child of `<domain>`), or `os`. */
  at?: 'devices' | 'top' | 'os';
  shows(guest: Started, liveXml: string): void | Promise<void>;
}

const argvHas = (g: Started, ...pair: string[]) => {
  const i = g.argv.indexOf(pair[0]!);
  expect(i, `${pair.join(' ')} in ${g.argv.join(' ')}`).toBeGreaterThanOrEqual(0);
  if (pair[1] !== undefined) expect(g.argv[i + 1]).toBe(pair[1]);
};
const device = (g: Started, id: string, type: string) => expect(g.peripheral.get(id), `device ${id}`).toBe(`child<${type}>`);

/** Every accepted element, with the evidence a real QEMU gives of it. */
const ACCEPTED: Accepted[] = [
  {
    element: 'disk',
    xml: "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='@IMAGES@/vda.qcow2'/><target dev='vda' bus='virtio'/></disk>",
    shows: (g) => device(g, 'vda', 'virtio-blk-pci'),
  },
  {
    element: 'disk (cdrom, sata)',
    xml: "<disk type='file' device='cdrom'><target dev='sdc' bus='sata'/><readonly/></disk>",
    shows: (g) => device(g, 'sdc', 'ide-cd'),
  },
  { element: 'controller usb', xml: "<controller type='usb' index='0' model='qemu-xhci'/>", shows: (g) => device(g, 'usb', 'qemu-xhci') },
  { element: 'controller virtio-serial', xml: "<controller type='virtio-serial' index='0'/>", shows: (g) => device(g, 'virtio-serial0', 'virtio-serial-pci') },
  { element: "controller sata (the machine's AHCI)", xml: "<controller type='sata' index='0'/>", shows: (g) => expect(g.qtree).toContain('ich9-ahci') },
  {
    element: "controller pci (the machine's root)",
    xml: "<controller type='pci' index='0' model='pcie-root'/>",
    shows: (g) => expect(g.qtree).toContain('bus: pcie.0'),
  },
  {
    element: 'interface user (rtl8139 by default as libvirt on x86, on a pcie-to-pci-bridge; a generated MAC)',
    xml: "<interface type='user'/>",
    shows: async (g, live) => {
      device(g, 'net0', 'rtl8139');
      const [, mac, bus, slot] =
        /<interface type='user'>\s*<mac address='(52:54:00:[0-9a-f:]{8})'\/>\s*<model type='rtl8139'\/>\s*<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)'/.exec(
          live,
        ) ?? [];
      expect(mac).toBeDefined();
      // a conventional PCI NIC: libvirt puts it behind a pcie-to-pci-bridge, and so does QEMU here
      expect(live).toContain(`<controller type='pci' index='${Number(bus)}' model='pcie-to-pci-bridge'>`);
      expect(await g.qmp.execute('qom-get', { path: '/machine/peripheral/net0', property: 'parent_bus' })).toMatch(new RegExp(`/pci\\.${Number(bus)}$`));
      expect(await g.qmp.execute('qom-get', { path: '/machine/peripheral/net0', property: 'addr' })).toBe(Number(slot) << 3);
      expect(await g.qmp.execute('qom-get', { path: '/machine/peripheral/net0', property: 'mac' })).toBe(mac);
      expect(await g.qmp.execute('human-monitor-command', { 'command-line': 'info network' })).toContain('net0: index=0,type=user');
    },
  },
  {
    element: 'interface user with <model>, <mac>, <rom>',
    xml: "<interface type='user'><mac address='52:54:00:aa:bb:cc'/><model type='e1000'/><rom enabled='no'/></interface>",
    shows: async (g) => {
      device(g, 'net1', 'e1000');
      expect(await g.qmp.execute('qom-get', { path: '/machine/peripheral/net1', property: 'mac' })).toBe('52:54:00:aa:bb:cc');
      expect(await g.qmp.execute('qom-get', { path: '/machine/peripheral/net1', property: 'romfile' })).toBe('');
    },
  },
  {
    element: 'serial pty',
    xml: "<serial type='pty'><target port='0'/></serial>",
    shows: (g, live) => {
      device(g, 'serial0', 'isa-serial');
      const pty = /^pty:(\/dev\/pts\/\d+)$/.exec(g.chardevs.get('charserial0') ?? '')?.[1];
      expect(pty).toBeDefined();
      // the live XML says where, as libvirt's does
      expect(live).toContain(`<serial type='pty'>\n      <source path='${pty}'/>`);
      expect(live).toContain(`<console type='pty' tty='${pty}'>\n      <source path='${pty}'/>`);
    },
  },
  {
    element: 'serial unix',
    xml: "<serial type='unix'><source mode='bind' path='@RUN@/serial1.sock'/><target port='1'/></serial>",
    shows: (g) => (device(g, 'serial1', 'isa-serial'), expect(g.chardevs.get('charserial1')).toMatch(/^disconnected:unix:.*serial1\.sock,server=on$/)),
  },
  {
    element: 'console on the serial port',
    xml: "<console type='pty'><target type='serial' port='0'/></console>",
    shows: (g) => expect(g.argv.filter((a) => a.startsWith('pty,id=charserial0'))).toHaveLength(1),
  },
  {
    element: 'console virtio',
    xml: "<console type='unix'><source mode='bind' path='@RUN@/hvc.sock'/><target type='virtio' port='1'/></console>",
    shows: (g) => (device(g, 'console0', 'virtconsole'), expect(g.chardevs.get('charconsole0')).toContain('hvc.sock')),
  },
  {
    element: 'channel unix, the guest agent',
    xml: "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
    shows: async (g, live) => {
      device(g, 'channel0', 'virtserialport');
      expect(await g.qmp.execute('qom-get', { path: '/machine/peripheral/channel0', property: 'name' })).toBe('org.qemu.guest_agent.0');
      const path = /<source mode='bind' path='([^']+org\.qemu\.guest_agent\.0)'\/>/.exec(live)?.[1];
      expect(g.chardevs.get('charchannel0')).toBe(`disconnected:unix:${path},server=on`);
    },
  },
  {
    element: 'graphics vnc on a unix socket, with a password',
    xml: "<graphics type='vnc' socket='@RUN@/vnc.sock' passwd='s3cret'/>",
    shows: async (g) => {
      const vnc = await g.qmp.execute<{ enabled: boolean; auth: string; family: string }>('query-vnc');
      expect(vnc).toMatchObject({ enabled: true, auth: 'vnc', family: 'unix' });
      expect(g.argv.join(' ')).not.toContain('s3cret');
    },
  },
  {
    element: 'video vga',
    xml: "<video><model type='vga' vram='16384' heads='1' primary='yes'/></video>",
    shows: async (g) => (
      device(g, 'video0', 'VGA'),
      expect(await g.qmp.execute('qom-get', { path: '/machine/peripheral/video0', property: 'vgamem_mb' })).toBe(16)
    ),
  },
  {
    element: "input ps2 (the machine's i8042)",
    xml: "<input type='keyboard' bus='ps2'/><input type='mouse' bus='ps2'/>",
    shows: (g) => expect(g.qtree).toContain('dev: i8042'),
  },
  { element: 'input tablet usb', xml: "<input type='tablet' bus='usb'/>", shows: (g) => device(g, 'input0', 'usb-tablet') },
  { element: 'memballoon virtio', xml: "<memballoon model='virtio'/>", shows: (g) => device(g, 'balloon0', 'virtio-balloon-pci') },
  { element: "audio none (libvirt's default backend)", xml: "<audio id='1' type='none'/>", shows: (g) => argvHas(g, '-audiodev', 'none,id=audio1') },
  {
    element: 'interface with a PCI address on the root bus',
    xml: "<interface type='user'><model type='e1000'/><address type='pci' domain='0x0000' bus='0x00' slot='0x1a' function='0x0'/></interface>",
    shows: async (g) => {
      const id = /,id=(net\d+),[^ ]*bus=pcie\.0,addr=0x1a$/.exec(g.argv.find((a) => a.startsWith('e1000,') && a.endsWith('addr=0x1a')) ?? '')?.[1];
      expect(id).toBeDefined();
      // QEMU's devfn: slot 0x1a, function 0
      expect(await g.qmp.execute('qom-get', { path: `/machine/peripheral/${id}`, property: 'addr' })).toBe(0x1a << 3);
    },
  },
  { element: 'emulator', xml: '<emulator>qemu-system-x86_64</emulator>', shows: (g) => expect(g.argv.length).toBeGreaterThan(0) },
  {
    element: 'features acpi',
    at: 'top',
    xml: '<features><acpi/><apic/><pae/></features>',
    // q35 as libvirt records it, QEMU's alias resolved (virQEMUCapsGetCanonicalMachine); ACPI on
    shows: (g) => expect(g.argv[g.argv.indexOf('-machine') + 1]).toMatch(/^pc-q35-\d+\.\d+$/),
  },
  {
    element: 'cpu model and topology',
    at: 'top',
    xml: "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>",
    shows: async (g) => (
      argvHas(g, '-cpu', 'qemu64'),
      argvHas(g, '-smp', '2,sockets=1,cores=2,threads=1'),
      expect(await g.qmp.execute<unknown[]>('query-cpus-fast')).toHaveLength(2)
    ),
  },
  { element: 'clock localtime', at: 'top', xml: "<clock offset='localtime'/>", shows: (g) => argvHas(g, '-rtc', 'base=localtime') },
  { element: 'on_reboot destroy', at: 'top', xml: '<on_reboot>destroy</on_reboot>', shows: (g) => argvHas(g, '-no-reboot') },
  { element: 'os boot', at: 'os', xml: "<boot dev='hd'/><boot dev='network'/>", shows: (g) => argvHas(g, '-boot', 'order=cn') },
];

/** Samples of top-level elements libvirt knows, with the content they need. */
const TOP_LEVEL_SAMPLES: Readonly<Record<string, string>> = {
  memoryBacking: '<memoryBacking><hugepages/></memoryBacking>',
  cputune: '<cputune><shares>2048</shares></cputune>',
  numatune: "<numatune><memory mode='strict' nodeset='0'/></numatune>",
  sysinfo: "<sysinfo type='smbios'><system><entry name='vendor'>v</entry></system></sysinfo>",
  pm: "<pm><suspend-to-mem enabled='no'/></pm>",
  seclabel: "<seclabel type='none'/>",
  iothreads: '<iothreads>1</iothreads>',
  memtune: "<memtune><hard_limit unit='KiB'>1048576</hard_limit></memtune>",
  blkiotune: '<blkiotune><weight>500</weight></blkiotune>',
  resource: '<resource><partition>/machine</partition></resource>',
  perf: "<perf><event name='cmt' enabled='no'/></perf>",
  idmap: "<idmap><uid start='0' target='1000' count='10'/></idmap>",
  maxMemory: "<maxMemory slots='2' unit='KiB'>1048576</maxMemory>",
  vcpus: "<vcpus><vcpu id='0' enabled='yes'/></vcpus>",
  iothreadids: "<iothreadids><iothread id='1'/></iothreadids>",
  bootloader: '<bootloader>/usr/bin/pygrub</bootloader>',
  bootloader_args: '<bootloader_args>-q</bootloader_args>',
  on_lockfailure: '<on_lockfailure>poweroff</on_lockfailure>',
  launchSecurity: "<launchSecurity type='sev'/>",
  throttlegroups: '<throttlegroups/>',
  keywrap: "<keywrap><cipher name='aes' state='off'/></keywrap>",
};

/** A refused element: where it goes, and the name its refusal must give. */
interface Refused {
  element: string;
  xml: string;
  at?: 'devices' | 'top' | 'os' | 'features' | 'clock' | 'cpu' | 'vcpu';
  names: string;
  /** The domain's type attribute, when the case is about it. */
  type?: string;
}

/** Every device element of libvirt's domain format the driver does not realise, and refused variants of the ones it does. */
const REFUSED: Refused[] = [
  {
    element: 'hostdev',
    xml: "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='1' function='0'/></source></hostdev>",
    names: 'hostdev',
  },
  { element: 'sound', xml: "<sound model='ich9'/>", names: 'sound' },
  { element: 'audio alsa', xml: "<audio id='1' type='alsa'/>", names: "'alsa'" },
  { element: 'rng', xml: "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>", names: 'rng' },
  { element: 'watchdog', xml: "<watchdog model='i6300esb'/>", names: 'watchdog' },
  { element: 'filesystem', xml: "<filesystem type='mount'><source dir='/srv'/><target dir='t'/></filesystem>", names: 'filesystem' },
  { element: 'smartcard', xml: "<smartcard mode='host'/>", names: 'smartcard' },
  { element: 'redirdev', xml: "<redirdev bus='usb' type='spicevmc'/>", names: 'redirdev' },
  { element: 'redirfilter', xml: "<redirfilter><usbdev allow='yes'/></redirfilter>", names: 'redirfilter' },
  { element: 'hub', xml: "<hub type='usb'/>", names: 'hub' },
  { element: 'tpm', xml: "<tpm model='tpm-crb'><backend type='emulator'/></tpm>", names: 'tpm' },
  { element: 'panic', xml: "<panic model='isa'/>", names: 'panic' },
  { element: 'shmem', xml: "<shmem name='s'/>", names: 'shmem' },
  { element: 'memory', xml: "<memory model='dimm'><target><size unit='KiB'>1024</size></target></memory>", names: 'memory' },
  { element: 'iommu', xml: "<iommu model='intel'/>", names: 'iommu' },
  { element: 'vsock', xml: "<vsock model='virtio'><cid auto='yes'/></vsock>", names: 'vsock' },
  { element: 'lease', xml: "<lease><lockspace>a</lockspace><key>k</key><target path='/srv/lease'/></lease>", names: 'lease' },
  { element: 'nvram', xml: '<nvram/>', names: 'nvram' },
  { element: 'parallel', xml: "<parallel type='pty'/>", names: 'parallel' },
  { element: 'interface network', xml: "<interface type='network'><source network='default'/></interface>", names: "interface type 'network'" },
  {
    // libvirt adds a root port, a pcie-to-pci-bridge and pci-bridges up to bus 9 for a conventional NIC (rtl8139) there
    element: 'interface with a PCI address on a bus past the last (the pci-bridges libvirt adds for it)',
    xml: "<interface type='user'><address type='pci' domain='0x0000' bus='0x09' slot='0x00' function='0x0'/></interface>",
    names: "value 'pci-bridge' of attribute 'model'",
  },
  {
    element: 'interface with a drive address',
    xml: "<interface type='user'><address type='drive' controller='0' bus='0' target='0' unit='0'/></interface>",
    names: "address type 'drive' of an interface",
  },
  { element: 'interface link state', xml: "<interface type='user'><link state='down'/></interface>", names: 'interface/link' },
  {
    element: 'disk type block',
    xml: "<disk type='block' device='disk'><source dev='@IMAGES@/sdz'/><target dev='vdz' bus='virtio'/></disk>",
    names: "'type' of element <domain/devices/disk>",
  },
  {
    element: 'disk cache mode',
    xml: "<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/><source file='@IMAGES@/x.img'/><target dev='vdz' bus='virtio'/></disk>",
    names: "'cache'",
  },
  {
    element: 'disk boot order',
    xml: "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='@IMAGES@/x.img'/><target dev='vdz' bus='virtio'/><boot order='1'/></disk>",
    names: 'disk/boot',
  },
  { element: 'controller scsi', xml: "<controller type='scsi' index='0' model='virtio-scsi'/>", names: "'scsi'" },
  { element: 'graphics spice', xml: "<graphics type='spice' port='-1'/>", names: "'spice'" },
  { element: 'graphics vnc on every address', xml: "<graphics type='vnc' port='5905' listen='0.0.0.0'/>", names: "'0.0.0.0'" },
  { element: 'serial file', xml: "<serial type='file'><source path='@IMAGES@/serial.log'/></serial>", names: "'file'" },
  { element: 'serial tcp', xml: "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/></serial>", names: "'tcp'" },
  { element: 'channel spicevmc', xml: "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>", names: "'spicevmc'" },
  { element: 'video qxl', xml: "<video><model type='qxl'/></video>", names: "'qxl'" },
  { element: 'input tablet on ps2', xml: "<input type='tablet' bus='ps2'/>", names: "input type 'tablet'" },
  { element: 'memballoon with stats', xml: "<memballoon model='virtio'><stats period='10'/></memballoon>", names: 'memballoon/stats' },
  { element: 'features hyperv', at: 'features', xml: "<hyperv mode='custom'><relaxed state='on'/></hyperv>", names: 'features/hyperv' },
  { element: 'clock timer', at: 'clock', xml: "<timer name='rtc' tickpolicy='catchup'/>", names: 'clock/timer' },
  { element: 'cpu feature', at: 'cpu', xml: "<feature policy='require' name='vmx'/>", names: 'cpu/feature' },
  { element: 'cpu host-model', at: 'top', xml: "<cpu mode='host-model'/>", names: "'host-model'" },
  {
    element: 'cpu host-passthrough without KVM',
    at: 'top',
    xml: "<cpu mode='host-passthrough'/>",
    names: "CPU mode 'host-passthrough' for x86_64 qemu domain on x86_64 host is not supported by hypervisor",
  },
  { element: 'os bootmenu', at: 'os', xml: "<bootmenu enable='yes'/>", names: 'os/bootmenu' },
  { element: 'os smbios', at: 'os', xml: "<smbios mode='sysinfo'/>", names: 'os/smbios' },
  { element: 'loader as a ROM', at: 'os', xml: '<loader>@IMAGES@/bios.bin</loader>', names: "<loader type='pflash'>" },
  { element: 'vcpu cpuset', at: 'vcpu', xml: "<vcpu cpuset='0'>1</vcpu>", names: "'cpuset'" },
  { element: 'on_crash restart', at: 'top', xml: '<on_crash>restart</on_crash>', names: 'on_crash' },
  { element: 'currentMemory below memory', at: 'top', xml: "<currentMemory unit='MiB'>64</currentMemory>", names: '<currentMemory>' },
  { element: "domain type 'xen'", at: 'top', xml: '', type: 'xen', names: "virt type 'xen'" },
  ...[
    'memoryBacking',
    'cputune',
    'numatune',
    'sysinfo',
    'pm',
    'seclabel',
    'iothreads',
    'memtune',
    'blkiotune',
    'resource',
    'perf',
    'idmap',
    'keywrap',
    'genid',
    'maxMemory',
    'vcpus',
    'iothreadids',
    'bootloader',
    'bootloader_args',
    'on_lockfailure',
    'launchSecurity',
    'throttlegroups',
  ].map(
    // <iothreadids> implies an <iothreads> count (libvirt's virDomainDefParseIOThreads), refused first.
    (name): Refused => ({
      element: name,
      at: 'top',
      xml: TOP_LEVEL_SAMPLES[name] ?? `<${name}/>`,
      names: `<domain/${name === 'iothreadids' ? 'iothreads' : name}>`,
    }),
  ),
];

function domainXml(
  name: string,
  parts: { devices?: string; top?: string; os?: string; features?: string; clock?: string; cpu?: string; type?: string; vcpus?: number; vcpu?: string },
): string {
  return `<domain type='${parts.type ?? 'qemu'}'><name>${name}</name><memory unit='MiB'>128</memory>${parts.vcpu ?? `<vcpu>${parts.vcpus ?? 1}</vcpu>`}
  <os><type arch='x86_64' machine='q35'>hvm</type>${parts.os ?? ''}</os>
  ${parts.features !== undefined ? `<features>${parts.features}</features>` : ''}${parts.clock !== undefined ? `<clock offset='utc'>${parts.clock}</clock>` : ''}${parts.cpu !== undefined ? `<cpu mode='custom'><model>qemu64</model>${parts.cpu}</cpu>` : ''}${parts.top ?? ''}
  <devices>${parts.devices ?? ''}</devices></domain>`;
}

/** The first 12 bytes a VNC server sends (its protocol version); closes the stream. */
async function rfbGreeting(stream: ByteStream): Promise<string> {
  const chunks: Uint8Array[] = [];
  await new Promise<void>((resolve) =>
    stream.onData((chunk) => {
      chunks.push(chunk);
      if (chunks.reduce((n, c) => n + c.length, 0) >= 12) resolve();
    }),
  );
  stream.close();
  return Buffer.concat(chunks).subarray(0, 12).toString('latin1');
}

/** The device elements of libvirt's domain schema (domain.rng, as the model knows it). */
function libvirtDeviceElements(): string[] {
  const devices = DOMAIN_SCHEMA.rule.children!['devices'] as ElementRule;
  return Object.keys(devices.children ?? {}).filter((name) => name !== 'emulator');
}

describe.skipIf(!hasQemu)('qemu driver: every element is realised or refused', () => {
  const qemu = useQemuDaemon({ inspectionMonitor: true });
  let guest: Started;
  let liveXml: string;
  let dom: Domain;

  beforeAll(async () => {
    const fill = (xml: string) => xml.replaceAll('@IMAGES@', qemu.images).replaceAll('@RUN@', qemu.images);
    await qemu.box.image(`${qemu.images}/vda.qcow2`);
    const devices = ACCEPTED.filter((a) => (a.at ?? 'devices') === 'devices')
      .map((a) => fill(a.xml))
      .join('');
    const top = ACCEPTED.filter((a) => a.at === 'top')
      .map((a) => a.xml)
      .join('');
    const os = ACCEPTED.filter((a) => a.at === 'os')
      .map((a) => a.xml)
      .join('');
    dom = await qemu.conn.domainDefineXML(domainXml('everything', { devices, top, os, vcpus: 2 }));
    await dom.create(DomainCreateFlags.StartPaused);
    liveXml = await dom.getXMLDesc();
    const uuid = dom.uuid;
    const pid = Number(readFileSync(`${qemu.runtimeDir}/${uuid}/qemu.pid`, 'utf8').trim());
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const qmp = await inspect(qemu.runtimeDir, uuid);
    const peripheral = new Map(
      (await qmp.execute<Array<{ name: string; type: string }>>('qom-list', { path: '/machine/peripheral' })).map((p) => [p.name, p.type]),
    );
    const chardevs = new Map((await qmp.execute<Array<{ label: string; filename: string }>>('query-chardev')).map((c) => [c.label, c.filename]));
    const qtree = await qmp.execute<string>('human-monitor-command', { 'command-line': 'info qtree' });
    guest = { argv, qmp, peripheral, chardevs, qtree };
  }, 120_000);
  afterAll(async () => {
    await guest?.qmp.close();
    await dom?.destroy().catch(() => undefined);
  });

  it.each(ACCEPTED.map((a) => [a.element, a] as const))('accepted and realised: %s', async (_name, accepted) => {
    await accepted.shows(guest, liveXml);
  });

  it.each(REFUSED.map((r, i) => [r.element, r, i] as const))('refused at define: %s', async (_name, refused, i) => {
    const at = refused.at ?? 'devices';
    const xml = domainXml(`refused${i}`, { [at]: refused.xml.replaceAll('@IMAGES@', qemu.images), ...(refused.type ? { type: refused.type } : {}) });
    const error = await failure(qemu.conn.domainDefineXML(xml));
    expect(error.code, error.message).toBe(ErrorNumber.ConfigUnsupported);
    expect(error.message).toMatch(/^unsupported configuration: /);
    expect(error.message).toContain(refused.names);
  });

  it("covers every device element of libvirt's domain format", () => {
    const covered = new Set([...ACCEPTED.map((a) => a.element.split(' ')[0]!), ...REFUSED.map((r) => r.element.split(' ')[0]!)]);
    expect(libvirtDeviceElements().filter((name) => !covered.has(name))).toEqual([]);
  });

  it("DomainOpenGraphics: the VNC server's RFB greeting through the SDK, on its unix socket", async () => {
    expect(await rfbGreeting(await dom.openGraphics(0))).toBe('RFB 003.008\n');
    const missing = await failure(dom.openGraphics(1));
    expect(missing.message).toBe('internal error: No graphics backend with index 1');
  });

  it('realises VNC on a loopback port chosen by autoport', async () => {
    const vnc = await qemu.conn.domainDefineXML(domainXml('vnc-port', { devices: "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>" }));
    await vnc.create(DomainCreateFlags.StartPaused);
    const qmp = await inspect(qemu.runtimeDir, vnc.uuid);
    try {
      const info = await qmp.execute<{ enabled: boolean; host: string; service: string; auth: string }>('query-vnc');
      expect(info).toMatchObject({ enabled: true, host: '127.0.0.1', auth: 'none' });
      expect(Number(info.service)).toBeGreaterThanOrEqual(5900);
      expect(await rfbGreeting(await vnc.openGraphics())).toBe('RFB 003.008\n');
    } finally {
      await qmp.close();
      await vnc.destroy();
    }
  });
});
