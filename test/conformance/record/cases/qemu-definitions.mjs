// Domain definitions recorded through libvirt's qemu:///session driver: what libvirt 9.0 formats back for each.
//
// Each is defined, read back with flags 0, SECURE (1), INACTIVE (2) and both, and undefined. The
// set covers what virtwire's qemu driver accepts today plus the devices it will realise next
// (interfaces, serial/console, graphics, channels, firmware), and definitions libvirt refuses.

const base = ({
  name,
  type = 'qemu',
  memory = "<memory unit='MiB'>256</memory>",
  os = "<os><type arch='x86_64' machine='q35'>hvm</type></os>",
  devices = '',
  extra = '',
}) =>
  `<domain type='${type}'>
  <name>${name}</name>
  <uuid>${uuidFor(name)}</uuid>
  ${memory}
  <vcpu>1</vcpu>
  ${os}
${extra}  <devices>
${devices}  </devices>
</domain>
`;

/** A fixed uuid per name, so nothing in the recording is generated. */
function uuidFor(name) {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const hex = hash.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex}0000`.slice(0, 36);
}

const ACPI = '  <features>\n    <acpi/>\n  </features>\n';
const VDA =
  "    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/images/guest.qcow2'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n";

export const qemuDefinitions = [
  { id: 'minimal-q35', xml: base({ name: 'minimal-q35' }) },
  { id: 'minimal-pc', xml: base({ name: 'minimal-pc', os: "<os><type arch='x86_64' machine='pc'>hvm</type></os>" }) },
  { id: 'no-machine', xml: base({ name: 'no-machine', os: '<os><type>hvm</type></os>' }) },
  { id: 'no-arch', xml: base({ name: 'no-arch', os: "<os><type machine='q35'>hvm</type></os>" }) },
  { id: 'versioned-machine', xml: base({ name: 'versioned-machine', os: "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>" }) },
  { id: 'i440fx-versioned', xml: base({ name: 'i440fx-versioned', os: "<os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>" }) },
  { id: 'one-disk', xml: base({ name: 'one-disk', devices: VDA }) },
  {
    id: 'disks-all-buses-q35',
    xml: base({
      name: 'disks-all-buses-q35',
      devices:
        VDA +
        "    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='/images/data.img'/>\n      <target dev='vdb'/>\n    </disk>\n" +
        "    <disk type='file' device='disk'>\n      <source file='/images/sata.img'/>\n      <target dev='sda' bus='sata'/>\n    </disk>\n" +
        "    <disk type='file' device='cdrom'>\n      <source file='/images/install.iso'/>\n      <target dev='sdb' bus='sata'/>\n      <readonly/>\n    </disk>\n" +
        "    <disk type='file' device='cdrom'>\n      <target dev='sdc' bus='sata'/>\n    </disk>\n",
    }),
  },
  {
    id: 'disks-ide-pc',
    xml: base({
      name: 'disks-ide-pc',
      os: "<os><type arch='x86_64' machine='pc'>hvm</type></os>",
      devices:
        "    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/images/ide.qcow2'/>\n      <target dev='hda' bus='ide'/>\n    </disk>\n" +
        "    <disk type='file' device='cdrom'>\n      <target dev='hdc' bus='ide'/>\n      <readonly/>\n    </disk>\n" +
        VDA,
    }),
  },
  {
    id: 'backing-chain',
    xml: base({
      name: 'backing-chain',
      devices:
        "    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/images/top.qcow2'/>\n      <backingStore type='file'>\n        <format type='qcow2'/>\n        <source file='/images/base.qcow2'/>\n        <backingStore/>\n      </backingStore>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n",
    }),
  },
  { id: 'memory-units', xml: base({ name: 'memory-units', memory: "<memory unit='GiB'>1</memory>\n  <currentMemory unit='M'>512</currentMemory>" }) },
  { id: 'memory-bytes', xml: base({ name: 'memory-bytes', memory: "<memory unit='b'>268435456</memory>" }) },
  { id: 'memory-kb-rounding', xml: base({ name: 'memory-kb-rounding', memory: "<memory unit='KB'>262145</memory>" }) },
  { id: 'memory-no-unit', xml: base({ name: 'memory-no-unit', memory: '<memory>262144</memory>' }) },
  { id: 'vcpu-placement', xml: base({ name: 'vcpu-placement' }).replace('<vcpu>1</vcpu>', "<vcpu placement='static' current='1'>2</vcpu>") },
  {
    id: 'lifecycle-actions',
    xml: base({
      name: 'lifecycle-actions',
      extra: '  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n  <on_crash>coredump-restart</on_crash>\n',
    }),
  },
  { id: 'clock-localtime', xml: base({ name: 'clock-localtime', extra: "  <clock offset='localtime'/>\n" }) },
  {
    id: 'clock-timers',
    xml: base({
      name: 'clock-timers',
      extra: "  <clock offset='utc'>\n    <timer name='rtc' tickpolicy='catchup'/>\n    <timer name='hpet' present='no'/>\n  </clock>\n",
    }),
  },
  { id: 'features', xml: base({ name: 'features', extra: "  <features>\n    <acpi/>\n    <apic/>\n    <vmport state='off'/>\n  </features>\n" }) },
  {
    id: 'boot-order',
    xml: base({ name: 'boot-order', os: "<os><type arch='x86_64' machine='q35'>hvm</type><boot dev='cdrom'/><boot dev='hd'/><bootmenu enable='yes'/></os>" }),
  },
  {
    id: 'title-description-escaping',
    xml: base({
      name: 'title-description-escaping',
      extra: '  <title>A &quot;quoted&quot; &amp; &lt;odd&gt; title</title>\n  <description>It\'s "here" &amp; there</description>\n',
    }),
  },
  {
    id: 'interface-user',
    xml: base({
      name: 'interface-user',
      devices: "    <interface type='user'>\n      <mac address='52:54:00:12:34:56'/>\n      <model type='virtio'/>\n    </interface>\n",
    }),
  },
  {
    id: 'interface-user-e1000',
    xml: base({
      name: 'interface-user-e1000',
      devices: "    <interface type='user'>\n      <mac address='52:54:00:12:34:57'/>\n      <model type='e1000e'/>\n    </interface>\n",
    }),
  },
  {
    id: 'interface-network',
    xml: base({
      name: 'interface-network',
      devices:
        "    <interface type='network'>\n      <mac address='52:54:00:12:34:58'/>\n      <source network='default'/>\n      <model type='virtio'/>\n    </interface>\n",
    }),
  },
  { id: 'serial-console-pty', xml: base({ name: 'serial-console-pty', devices: "    <serial type='pty'/>\n    <console type='pty'/>\n" }) },
  { id: 'console-only', xml: base({ name: 'console-only', devices: "    <console type='pty'/>\n" }) },
  { id: 'serial-file', xml: base({ name: 'serial-file', devices: "    <serial type='file'>\n      <source path='/tmp/serial.log'/>\n    </serial>\n" }) },
  {
    id: 'channel-unix',
    xml: base({ name: 'channel-unix', devices: "    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n    </channel>\n" }),
  },
  {
    id: 'graphics-vnc',
    xml: base({
      name: 'graphics-vnc',
      devices: "    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' passwd='vn&quot;&amp;&lt;ok' keymap='en-us'/>\n",
    }),
  },
  {
    id: 'graphics-vnc-valid-to',
    xml: base({
      name: 'graphics-vnc-valid-to',
      devices: "    <graphics type='vnc' port='5905' autoport='no' passwd='abc' passwdValidTo='2030-01-01T00:00:00' connected='keep'/>\n",
    }),
  },
  { id: 'graphics-vnc-socket', xml: base({ name: 'graphics-vnc-socket', devices: "    <graphics type='vnc' socket='/tmp/vnc.sock' passwd='xyz'/>\n" }) },
  {
    id: 'graphics-spice',
    xml: base({
      name: 'graphics-spice',
      devices: "    <graphics type='spice' autoport='yes' passwd='sp1ce'>\n      <listen type='address' address='127.0.0.1'/>\n    </graphics>\n",
    }),
  },
  { id: 'graphics-rdp', xml: base({ name: 'graphics-rdp', devices: "    <graphics type='rdp' autoport='yes' passwd='rdppw'/>\n" }) },
  { id: 'graphics-sdl', xml: base({ name: 'graphics-sdl', devices: "    <graphics type='sdl' display=':0'/>\n" }) },
  {
    id: 'disk-network-http-cookies',
    xml: base({
      name: 'disk-network-http-cookies',
      devices:
        "    <disk type='network' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n      <source protocol='https' name='/images/boot.iso'>\n        <host name='example.org' port='443'/>\n        <cookies>\n          <cookie name='session'>c3VjcmV0</cookie>\n        </cookies>\n      </source>\n      <target dev='sda' bus='sata'/>\n      <readonly/>\n    </disk>\n",
    }),
  },
  {
    id: 'disk-network-auth',
    xml: base({
      name: 'disk-network-auth',
      devices:
        "    <disk type='network' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-pool/1'>\n        <host name='example.com' port='3260'/>\n        <auth username='myuser'>\n          <secret type='iscsi' usage='libvirtiscsi'/>\n        </auth>\n      </source>\n      <target dev='vdb' bus='virtio'/>\n    </disk>\n",
    }),
  },
  {
    id: 'os-loader-nvram',
    xml: base({
      name: 'os-loader-nvram',
      extra: ACPI,
      os: "<os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader><nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/tmp/os-loader-nvram_VARS.fd</nvram></os>",
    }),
  },
  { id: 'os-firmware-efi-no-acpi', xml: base({ name: 'os-firmware-efi-no-acpi', os: "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>" }) },
  { id: 'os-firmware-efi', xml: base({ name: 'os-firmware-efi', extra: ACPI, os: "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>" }) },
  {
    id: 'os-firmware-efi-pc',
    xml: base({ name: 'os-firmware-efi-pc', extra: ACPI, os: "<os firmware='efi'><type arch='x86_64' machine='pc'>hvm</type></os>" }),
  },
  { id: 'video-virtio', xml: base({ name: 'video-virtio', devices: "    <graphics type='vnc'/>\n    <video>\n      <model type='virtio'/>\n    </video>\n" }) },
  { id: 'memballoon-none', xml: base({ name: 'memballoon-none', devices: "    <memballoon model='none'/>\n" }) },
  {
    id: 'rng-virtio',
    xml: base({ name: 'rng-virtio', devices: "    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n    </rng>\n" }),
  },
  { id: 'cpu-host-model', xml: base({ name: 'cpu-host-model', extra: "  <cpu mode='host-model'/>\n" }) },
  {
    id: 'everyday-guest',
    xml: base({
      name: 'everyday-guest',
      memory: "<memory unit='GiB'>2</memory>",
      os: "<os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>",
      extra: '  <features>\n    <acpi/>\n    <apic/>\n  </features>\n',
      devices:
        VDA +
        "    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n      <source file='/images/seed.iso'/>\n      <target dev='sda' bus='sata'/>\n      <readonly/>\n    </disk>\n" +
        "    <interface type='user'>\n      <mac address='52:54:00:aa:00:01'/>\n      <model type='virtio'/>\n    </interface>\n" +
        "    <serial type='pty'/>\n    <console type='pty'/>\n" +
        "    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n    </channel>\n" +
        "    <graphics type='vnc' port='-1' autoport='yes' passwd='pw'/>\n",
    }),
  },
  // Refused definitions: the error is recorded.
  { id: 'error-unit-unknown', xml: base({ name: 'error-unit-unknown', memory: "<memory unit='furlong'>1</memory>" }) },
  { id: 'error-unit-proto', xml: base({ name: 'error-unit-proto', memory: "<memory unit='toString'>1</memory>" }) },
  { id: 'error-memory-text', xml: base({ name: 'error-memory-text', memory: "<memory unit='KiB'>lots</memory>" }) },
  { id: 'error-memory-zero', xml: base({ name: 'error-memory-zero', memory: "<memory unit='KiB'>0</memory>" }) },
  { id: 'error-type-test', xml: base({ name: 'error-type-test', type: 'test' }) },
  { id: 'error-type-bogus', xml: base({ name: 'error-type-bogus', type: 'bogus' }) },
  { id: 'error-machine', xml: base({ name: 'error-machine', os: "<os><type arch='x86_64' machine='bogus'>hvm</type></os>" }) },
  { id: 'error-arch', xml: base({ name: 'error-arch', os: "<os><type arch='sparc'>hvm</type></os>" }) },
  { id: 'error-os-type', xml: base({ name: 'error-os-type', os: "<os><type arch='x86_64'>linux</type></os>" }) },
  { id: 'error-duplicate-target', xml: base({ name: 'error-duplicate-target', devices: VDA + VDA }) },
  {
    id: 'error-cdrom-virtio',
    xml: base({ name: 'error-cdrom-virtio', devices: "    <disk type='file' device='cdrom'>\n      <target dev='vdb' bus='virtio'/>\n    </disk>\n" }),
  },
  {
    id: 'error-bad-mac',
    xml: base({ name: 'error-bad-mac', devices: "    <interface type='user'>\n      <mac address='zz:54:00:12:34:56'/>\n    </interface>\n" }),
  },
  { id: 'error-on-crash', xml: base({ name: 'error-on-crash', extra: '  <on_crash>explode</on_crash>\n' }) },
  { id: 'error-vcpu-zero', xml: base({ name: 'error-vcpu-zero' }).replace('<vcpu>1</vcpu>', '<vcpu>0</vcpu>') },
  { id: 'error-name-slash', xml: base({ name: 'error/slash' }) },
  { id: 'error-mismatch', xml: "<domain type='qemu'>\n  <name>x</name>\n  <memory>1024</mem>\n</domain>\n" },
  { id: 'error-empty', xml: '' },
  { id: 'validate-unknown-element', xml: base({ name: 'validate-unknown-element', extra: '  <nonsense/>\n' }), validate: true },
  {
    id: 'validate-unknown-attribute',
    xml: base({ name: 'validate-unknown-attribute', devices: VDA.replace("<disk type='file'", "<disk type='file' bogus='1'") }),
    validate: true,
  },
  { id: 'validate-bad-value', xml: base({ name: 'validate-bad-value', extra: '  <on_reboot>sometimes</on_reboot>\n' }), validate: true },
  { id: 'validate-ok', xml: base({ name: 'validate-ok', devices: VDA }), validate: true },
];
