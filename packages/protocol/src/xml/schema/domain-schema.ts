// The `<domain>` documents virtwire accepts, as a schema (learned from libvirt's domain.rng, written anew): checked where the model reads, open elsewhere.
import { ANY, TEXT, type DocumentSchema, type ElementRule } from './xml-schema.js';

const UNITS = ['b', 'bytes', 'k', 'K', 'KB', 'KiB', 'kb', 'kib', 'm', 'M', 'MB', 'MiB', 'mb', 'mib', 'g', 'G', 'GB', 'GiB', 'gb', 'gib', 't', 'T', 'TB', 'TiB', 'tb', 'tib', 'p', 'P', 'PB', 'PiB', 'e', 'E', 'EB', 'EiB'];
const memory: ElementRule = { attributes: { unit: UNITS, dumpCore: ['on', 'off'], slots: 'text' }, text: { type: 'unsignedLong' } };
const ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve'];
const address: ElementRule = { attributes: Object.fromEntries(['type', 'domain', 'bus', 'slot', 'function', 'multifunction', 'controller', 'target', 'unit', 'port', 'reg', 'cssid', 'ssid', 'devno', 'iobase', 'irq', 'base', 'zpci', 'uid', 'fid'].map((n) => [n, 'text'])), children: { zpci: ANY } };

const disk: ElementRule = {
  attributes: { type: ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser', 'vhostvdpa'], device: ['disk', 'cdrom', 'floppy', 'lun'], snapshot: ['no', 'internal', 'external', 'manual'], model: 'text', rawio: ['yes', 'no'], sgio: ['filtered', 'unfiltered'] },
  children: {
    driver: ANY,
    source: ANY,
    backingStore: ANY,
    target: { attributes: { dev: 'text', bus: ['ide', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd', 'fdc'], tray: ['open', 'closed'], removable: ['on', 'off'], rotation_rate: { type: 'positiveInteger' } } },
    readonly: {},
    shareable: {},
    transient: ANY,
    serial: TEXT,
    wwn: TEXT,
    vendor: TEXT,
    product: TEXT,
    boot: { attributes: { order: { type: 'positiveInteger' }, loadparm: 'text' } },
    address,
    alias: ANY,
    geometry: ANY,
    blockio: ANY,
    iotune: ANY,
    encryption: ANY,
    auth: ANY,
    mirror: ANY,
    throttlefilters: ANY,
  },
};

const DEVICES = ['controller', 'lease', 'filesystem', 'interface', 'smartcard', 'serial', 'parallel', 'console', 'channel', 'input', 'tpm', 'graphics', 'sound', 'audio', 'video', 'hostdev', 'redirdev', 'redirfilter', 'hub', 'watchdog', 'memballoon', 'nvram', 'rng', 'panic', 'shmem', 'memory', 'iommu', 'vsock', 'crypto'];

const TOP_LEVEL_OPEN = ['genid', 'metadata', 'maxMemory', 'blkiotune', 'memtune', 'memoryBacking', 'vcpus', 'iothreads', 'iothreadids', 'cputune', 'numatune', 'resource', 'sysinfo', 'bootloader', 'bootloader_args', 'idmap', 'features', 'cpu', 'clock', 'on_lockfailure', 'pm', 'perf', 'seclabel', 'keywrap', 'launchSecurity', 'throttlegroups', 'qemu:commandline', 'qemu:capabilities', 'qemu:override', 'qemu:deprecation', 'test:runstate', 'test:transient', 'test:domainsnapshot'];

/** `<domain>`: the parts virtwire's model reads are checked; the rest only has to be a libvirt element. */
export const DOMAIN_SCHEMA: DocumentSchema = {
  root: 'domain',
  file: '/usr/share/libvirt/schemas/domain.rng',
  sequenced: new Set(['memory', 'currentMemory', 'maxMemory', 'on_poweroff', 'on_reboot', 'on_crash', 'on_lockfailure']),
  rule: {
    attributes: { type: ['qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv', 'vbox', 'phyp', 'vz', 'bhyve', 'ch'], id: 'text' },
    children: {
      name: TEXT,
      uuid: { text: { type: 'uuid' } },
      title: TEXT,
      description: TEXT,
      memory,
      currentMemory: memory,
      vcpu: { attributes: { placement: ['static', 'auto'], cpuset: 'text', current: { type: 'positiveInteger' } }, text: { type: 'positiveInteger' } },
      os: { attributes: { firmware: ['bios', 'efi'] }, children: { type: { attributes: { arch: 'text', machine: 'text' }, text: ['hvm', 'xen', 'linux', 'xenpvh', 'exe', 'uml'] }, boot: { attributes: { dev: ['hd', 'fd', 'cdrom', 'network'] } }, loader: ANY, nvram: ANY, kernel: TEXT, initrd: TEXT, cmdline: TEXT, dtb: TEXT, acpi: ANY, bootmenu: ANY, smbios: ANY, bios: ANY, firmware: ANY, init: TEXT, initarg: TEXT, initenv: ANY, initdir: TEXT, inituser: TEXT, initgroup: TEXT, loaderArgs: ANY } },
      on_poweroff: { text: ACTIONS },
      on_reboot: { text: ACTIONS },
      on_crash: { text: [...ACTIONS, 'coredump-destroy', 'coredump-restart'] },
      devices: { children: { emulator: TEXT, disk, ...Object.fromEntries(DEVICES.map((d) => [d, ANY])) } },
      ...Object.fromEntries(TOP_LEVEL_OPEN.map((name) => [name, ANY])),
    },
  },
};
