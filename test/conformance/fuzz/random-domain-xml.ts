// Random libvirt domain XML for property tests: devices, controllers, features, CPU, clock and boot, valid or not.
import fc from 'fast-check';

const pci = fc.option(fc.record({ bus: fc.integer({ min: 0, max: 3 }), slot: fc.integer({ min: 0, max: 31 }), fn: fc.integer({ min: 0, max: 7 }) }), {
  nil: undefined,
  freq: 2,
});
const address = (a: { bus: number; slot: number; fn: number } | undefined) =>
  a
    ? `<address type='pci' domain='0x0000' bus='0x${a.bus.toString(16).padStart(2, '0')}' slot='0x${a.slot.toString(16).padStart(2, '0')}' function='0x${a.fn}'/>`
    : '';
const word = fc.constantFrom('a', 'b', 'x1', 'default', 'none', 'yes', 'no', 'on', 'off', '0', '1', '-1', '', 'virtio', 'qemu');
const opt = (name: string, values: fc.Arbitrary<string>) =>
  fc.option(
    values.map((v) => ` ${name}='${v}'`),
    { nil: '' },
  );

const device = fc.oneof(
  fc
    .record({
      type: fc.constantFrom('file', 'block', 'network', 'volume', 'dir'),
      dev: fc.constantFrom('disk', 'cdrom', 'floppy', 'lun'),
      bus: fc.constantFrom('virtio', 'sata', 'scsi', 'ide', 'usb', 'fdc'),
      t: fc.constantFrom('vda', 'vdb', 'sda', 'hda', 'fda', 'sdb'),
      cache: opt('cache', fc.constantFrom('none', 'writeback', 'bogus')),
      ro: fc.boolean(),
      at: pci,
    })
    .map(
      ({ type, dev, bus, t, cache, ro, at }) =>
        `<disk type='${type}' device='${dev}'><driver name='qemu' type='qcow2'${cache}/>${type === 'file' ? `<source file='/var/lib/images/${t}.img'/>` : type === 'block' ? `<source dev='/dev/sdz'/>` : type === 'network' ? `<source protocol='nbd' name='x'><host name='h' port='10809'/></source>` : ''}<target dev='${t}' bus='${bus}'/>${ro ? '<readonly/>' : ''}${address(at)}</disk>`,
    ),
  fc
    .record({
      type: fc.constantFrom('user', 'network', 'bridge', 'direct', 'ethernet'),
      model: opt('type', fc.constantFrom('virtio', 'e1000', 'rtl8139', 'Virtio', 'bogus!')),
      mac: fc.option(fc.constantFrom('52:54:00:11:22:33', '01:00:00:00:00:00', 'zz'), { nil: undefined }),
      at: pci,
    })
    .map(
      ({ type, model, mac, at }) =>
        `<interface type='${type}'>${mac ? `<mac address='${mac}'/>` : ''}${type === 'network' ? `<source network='default'/>` : type === 'bridge' ? `<source bridge='br0'/>` : type === 'direct' ? `<source dev='eth0' mode='vepa'/>` : ''}${model ? `<model${model}/>` : ''}${address(at)}</interface>`,
    ),
  fc
    .record({
      type: fc.constantFrom('pci', 'usb', 'scsi', 'sata', 'ide', 'virtio-serial', 'ccid'),
      index: opt('index', fc.constantFrom('0', '1', '2', '7', '-1', 'x')),
      model: opt('model', fc.constantFrom('pcie-root-port', 'pci-root', 'pcie-root', 'pci-bridge', 'qemu-xhci', 'virtio-scsi', 'piix3-uhci', 'bogus')),
      at: pci,
    })
    .map(({ type, index, model, at }) => `<controller type='${type}'${index}${model}>${address(at)}</controller>`),
  fc
    .record({
      type: fc.constantFrom('vnc', 'spice', 'sdl', 'rdp', 'egl-headless', 'dbus'),
      port: opt('port', fc.constantFrom('-1', '0', '5900', '5999', '70000')),
      auto: opt('autoport', word),
    })
    .map(({ type, port, auto }) => `<graphics type='${type}'${port}${auto}/>`),
  fc
    .record({
      model: fc.constantFrom('vga', 'cirrus', 'virtio', 'qxl', 'bochs', 'ramfb', 'none'),
      heads: opt('heads', fc.constantFrom('1', '2', '0')),
      at: pci,
    })
    .map(({ model, heads, at }) => `<video><model type='${model}'${heads}/>${address(at)}</video>`),
  fc
    .record({
      kind: fc.constantFrom('serial', 'console', 'channel', 'parallel'),
      type: fc.constantFrom('pty', 'file', 'unix', 'tcp', 'null', 'spicevmc'),
      tgt: fc.constantFrom('', 'virtio', 'serial', 'isa-serial'),
    })
    .map(
      ({ kind, type, tgt }) =>
        `<${kind} type='${type}'>${type === 'file' ? `<source path='/tmp/x.log'/>` : type === 'unix' ? `<source mode='bind' path='/tmp/x.sock'/>` : type === 'tcp' ? `<source mode='bind' host='127.0.0.1' service='4555'/>` : ''}${tgt ? `<target type='${tgt}'${kind === 'channel' ? " name='org.qemu.guest_agent.0'" : ''}/>` : ''}</${kind}>`,
    ),
  fc.constantFrom(
    `<memballoon model='virtio'><stats period='10'/></memballoon>`,
    `<memballoon model='none'/>`,
    `<input type='tablet' bus='usb'/>`,
    `<input type='keyboard' bus='virtio'/>`,
    `<sound model='ich9'/>`,
    `<watchdog model='i6300esb' action='reset'/>`,
    `<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`,
    `<panic model='isa'/>`,
    `<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>`,
    `<hub type='usb'/>`,
    `<redirdev bus='usb' type='spicevmc'/>`,
    `<smartcard mode='passthrough' type='spicevmc'/>`,
    `<vsock model='virtio'><cid auto='yes'/></vsock>`,
    `<iommu model='intel'/>`,
    `<audio id='1' type='none'/>`,
    `<shmem name='s1'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>`,
  ),
);

const top = fc.record({
  features: fc.subarray(['<acpi/>', '<apic/>', '<pae/>', "<vmport state='off'/>", "<smm state='on'/>", '<hap/>']),
  cpu: fc.constantFrom(
    '',
    "<cpu mode='host-model'/>",
    "<cpu mode='host-passthrough' check='none'/>",
    "<cpu><topology sockets='1' cores='2' threads='1'/></cpu>",
    "<cpu mode='custom' match='exact'><model>qemu64</model><feature policy='require' name='x2apic'/></cpu>",
  ),
  clock: fc.constantFrom(
    '',
    "<clock offset='utc'/>",
    "<clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/></clock>",
    "<clock offset='variable' adjustment='10'/>",
  ),
  boot: fc.subarray(["<boot dev='hd'/>", "<boot dev='cdrom'/>", "<boot dev='network'/>", "<bootmenu enable='yes'/>"]),
  vcpus: fc.constantFrom('1', '2', '4'),
  memory: fc.constantFrom('131072', '262144', '1048576'),
  current: fc.constantFrom('', '131072'),
  events: fc.constantFrom('', '<on_poweroff>destroy</on_poweroff><on_crash>restart</on_crash>', '<on_reboot>preserve</on_reboot>'),
});

/** A random `<domain type='test'>` named `name`: the top-level elements and up to 8 devices above. */
export const randomDomainXml = (name: string): fc.Arbitrary<string> =>
  fc
    .tuple(top, fc.array(device, { maxLength: 8 }))
    .map(
      ([t, devices]) =>
        `<domain type='test'><name>${name}</name><memory unit='KiB'>${t.memory}</memory>${t.current ? `<currentMemory unit='KiB'>${t.current}</currentMemory>` : ''}<vcpu>${t.vcpus}</vcpu><os><type arch='x86_64' machine='pc'>hvm</type>${t.boot.join('')}</os>${t.features.length ? `<features>${t.features.join('')}</features>` : ''}${t.cpu}${t.clock}${t.events}<devices>${devices.join('')}</devices></domain>`,
    );
