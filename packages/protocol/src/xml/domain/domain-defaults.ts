// What libvirt fills in after parsing (virDomainDefPostParse): common defaults, then the driver's through a DriverDefaults profile.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { ownValue } from '../../own-key.js';
import { childElement, childElements, element, textOf } from '../xml-tree.js';
import { parseMemoryKiB } from './scaled-memory.js';
import { assignControllerIndexes } from './controller-order.js';
import { defaultCharDevices } from './chardev-defaults.js';
import { defaultGraphics } from './graphics-defaults.js';
import { checkBootOrders, rejectDuplicateControllers, validateBootMenu, validateOs } from './domain-checks.js';
import { checkDiskFdPassing, checkDiskTargets, validateDisk } from './disk-checks.js';
import { validateRedirdevs } from './usb-checks.js';
import { validateGraphicsAndAudio, validateMemoryDevices, validateVideos } from './misc-devices.js';
import { validateIOThreads } from './iothreads.js';
import { postParseHugepages, validateHugepages } from './scaled-elements.js';
import { pciTargetOf, validatePciController } from './controller-checks.js';
import { checkScsiDiskAgainstHostdevs, postParseHostdevs, validateDriveAddresses, validateHostdevs } from './hostdev-checks.js';
import { addImplicitControllers } from './implicit-controllers.js';
import type { DiskSpec, DomainSpec } from './domain-spec.js';

/** The driver-specific part of libvirt's post-parse (virDomainDefParserConfig and the driver's callbacks). */
export interface DriverDefaults {
  /** `<type arch>` when none is given, by OS type (the capabilities' first guest of that type). */
  defaultArch(osType: string): string | undefined;
  /** `<serial><target>` as the driver fills it: the test driver only numbers ports, QEMU names an ISA serial. */
  serialTarget: 'port' | 'isa-serial';
  /** Names each interface's `<target dev>`, replacing any given (the test driver's `testnetN`). */
  interfaceTarget?(index: number): string;
  /** Adds drive addresses and their controllers to IDE, SATA and SCSI disks. */
  assignDriveAddresses: boolean;
  /** The video model of a `<video>` that names none (virDomainVideoDefaultType); cirrus when absent. */
  defaultVideoType?(spec: DomainSpec): string;
  /** QEMU gives a QXL card 16 MiB of VGA memory when it names none. */
  qxlVgamem?: boolean;
  /** The driver's default devices, added before the implicit controllers (QEMU: qemuDomainDefAddDefaultDevices' USB, SATA and PCI root controllers). */
  addDefaultDevices?(spec: DomainSpec): void;
  /** The driver adds a USB controller to a definition that names none (libvirt's QEMU driver on x86). */
  implicitUsb?: boolean;
  /** VIR_DOMAIN_DEF_FEATURE_DISK_FD: the driver takes disk sources passed as file descriptors (`fdgroup`). */
  diskFdPassing?: boolean;
  /**
   * virDomainDefOSValidate: `<firmware>` features without firmware autoselection are refused (libvirt's
   * QEMU driver); without it they are dropped (its test driver, measured).
   */
  firmwareFeaturesNeedAutoselection?: boolean;
  /** The driver's own last step (QEMU: implicit devices and PCI addresses). */
  finish?(spec: DomainSpec): void;
}

const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** The bus a disk target's name implies (virDomainDiskDefAssignAddress's callers, virDiskNameToBus). */
export function busForTarget(dev: string): string {
  if (dev.startsWith('hd')) return 'ide';
  if (dev.startsWith('sd')) return 'scsi';
  if (dev.startsWith('vd')) return 'virtio';
  if (dev.startsWith('xvd')) return 'xen';
  if (dev.startsWith('ubd')) return 'uml';
  if (dev.startsWith('fd')) return 'fdc';
  return 'ide';
}

/** `vda` -> 0, `hdc` -> 2, `sdaa` -> 26, `vdb1` -> 1 (virDiskNameToIndex: trailing partition digits ignored); -1 when not a disk name. */
export function targetIndex(dev: string): number {
  const letters = /^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)\d*$/.exec(dev)?.[1];
  if (!letters) return -1;
  let index = 0;
  for (const c of letters) index = index * 26 + (c.charCodeAt(0) - 96);
  return index - 1;
}

/** Fills libvirt's defaults into a parsed spec, common ones first, then the driver's. */
export function applyDomainDefaults(spec: DomainSpec, driver: DriverDefaults): void {
  defaultMemory(spec);
  postParseHugepages(spec);
  if (spec.currentMemoryKiB === 0 || spec.currentMemoryKiB > spec.memoryKiB) spec.currentMemoryKiB = spec.memoryKiB;
  spec.os.arch ??= driver.defaultArch(spec.os.type);
  defaultOs(spec, driver);
  assignControllerIndexes(spec);
  const bootOrders = spec.devices.some(
    (d) =>
      ((d.kind === 'disk' || d.kind === 'interface') && d.bootOrder !== undefined) || (d.kind === 'other' && childElement(d.element, 'boot') !== undefined),
  );
  rejectDuplicateControllers(spec);
  checkBootOrders(spec, spec.os.boot.length);
  if (spec.os.type === 'hvm' && spec.os.boot.length === 0 && !bootOrders) spec.os.boot.push('hd');
  if (!spec.clock.attributes.has('offset')) spec.clock.attributes = new Map([['offset', 'utc'], ...spec.clock.attributes]);
  for (const device of spec.devices) {
    if (device.kind === 'disk' && !device.target.bus) device.target.bus = device.device === 'floppy' ? 'fdc' : busForTarget(device.target.dev);
  }
  // An iSCSI source names its LUN; libvirt adds LUN 0 to a name without one (virDomainPostParseCheckISCSIPath).
  for (const device of spec.devices) {
    const name = device.kind === 'disk' && device.type === 'network' && device.source?.get('protocol') === 'iscsi' ? device.source.get('name') : undefined;
    if (device.kind === 'disk' && name !== undefined && !name.includes('/')) device.source?.set('name', `${name}/0`);
  }
  for (const device of spec.devices) if (device.kind === 'disk' && device.device === 'cdrom') device.readOnly = true;
  // vhost-user disks cannot be snapshotted: libvirt makes their default 'no'.
  for (const device of spec.devices) if (device.kind === 'disk' && device.type === 'vhostuser') device.snapshot ??= 'no';
  for (const device of spec.devices) if (device.kind === 'disk' && device.type === 'network') defaultHostPorts(device);
  if (!driver.diskFdPassing) checkDiskFdPassing(spec);
  if (driver.assignDriveAddresses) assignDriveAddresses(spec);
  postParseHostdevs(spec);
  if (driver.interfaceTarget) {
    // testDomainGenerateIfnames: an interface without a name gets the first unused one.
    const interfaces = spec.devices.filter((d) => d.kind === 'interface');
    for (const device of interfaces) {
      if (device.targetDev !== undefined) continue;
      let index = 0;
      while (interfaces.some((d) => d.targetDev === driver.interfaceTarget!(index))) index++;
      device.targetDev = driver.interfaceTarget(index);
    }
  }
  defaultCharDevices(spec, driver.serialTarget);
  driver.addDefaultDevices?.(spec);
  addImplicitControllers(spec);
  for (const device of spec.devices) if (device.kind === 'graphics') defaultGraphics(device);
  defaultVideo(spec, driver);
  driver.finish?.(spec);
  // Neither libvirt driver supports VIR_DOMAIN_DEF_FEATURE_NAME_SLASH (virDomainDefPostParseCheckFeatures).
  if (spec.name.includes('/')) throw xmlError(`name ${spec.name} cannot contain '/'`);
  for (const device of spec.devices) if (device.kind === 'disk') validateDisk(device);
  validateRedirdevs(spec, driver.implicitUsb === true);
  for (const device of spec.devices) if (device.kind === 'controller') validatePciController(device, pciTargetOf(device));
  validateVideos(spec);
  validateMemoryDevices(spec);
  validateGraphicsAndAudio(spec);
  // virDomainDefValidateInternal: duplicate disk targets, then host devices, then drive addresses.
  checkDiskTargets(spec);
  validateHostdevs(spec);
  validateDriveAddresses(spec);
  validateHugepages(spec);
  validateOs(spec);
  validateBootMenu(spec);
  validateIOThreads(spec);
}

/** A memory size in KiB from a `<target><size unit>` or a NUMA cell's (already KiB) text, 0 when unreadable. */
function kib(value: string | undefined, unit: string | undefined): number {
  if (value === undefined) return 0;
  try {
    return parseMemoryKiB(value, unit, 'size');
  } catch (error) {
    if (error instanceof VirError) return 0;
    throw error;
  }
}

/**
 * libvirt's virDomainDefPostParseMemory: without `<memory>`, the guest NUMA cells' sum is the initial
 * memory; memory devices (`<memory model='dimm'>`) add to it, and may not exceed a given total.
 */
function defaultMemory(spec: DomainSpec): void {
  const numa = (spec.extra.get('cpu') ?? []).flatMap((cpu) => childElements(cpu, 'numa')).flatMap((n) => childElements(n, 'cell'));
  const numaKiB = spec.memoryKiB === 0 ? numa.reduce((sum, cell) => sum + kib(cell.attributes.get('memory'), cell.attributes.get('unit')), 0) : 0;
  let hotplugKiB = 0;
  for (const device of spec.devices) {
    if (device.kind !== 'other' || device.element.name !== 'memory') continue;
    const size = childElements(device.element, 'target').flatMap((t) => childElements(t, 'size'))[0];
    if (size) hotplugKiB += kib(textOf(size), size.attributes.get('unit'));
  }
  if (numaKiB > 0) spec.memoryKiB = numaKiB + hotplugKiB;
  else if (hotplugKiB > spec.memoryKiB) throw xmlError('Total size of memory devices exceeds the total memory size');
  if (spec.memoryKiB - hotplugKiB <= 0) throw xmlError('Memory size must be specified via <memory> or in the <numa> configuration');
}

/** The port a network disk's `<host>` gets when it names none (virStorageSourceNetworkDefaultPort); 0: none. */
const DEFAULT_PORTS: ReadonlyMap<string, number> = new Map([
  ['nbd', 10809],
  ['sheepdog', 7000],
  ['gluster', 24007],
  ['iscsi', 3260],
  ['http', 80],
  ['https', 443],
  ['ftp', 21],
  ['ftps', 990],
  ['tftp', 69],
  ['ssh', 22],
  ['vxhs', 9999],
]);

function defaultHostPorts(disk: DiskSpec): void {
  const protocol = disk.source?.get('protocol') ?? '';
  // libvirt keeps `<ssl>` only where TLS is spoken.
  if (protocol !== 'https' && protocol !== 'ftps') disk.sourceChildren = disk.sourceChildren.filter((c) => c.name !== 'ssl');
  const port = DEFAULT_PORTS.get(protocol);
  if (port === undefined) return;
  disk.sourceChildren = disk.sourceChildren.map((child) => {
    if (child.name !== 'host' || child.attributes.has('port') || child.attributes.get('transport') === 'unix') return child;
    return { name: child.name, attributes: new Map([...child.attributes, ['port', String(port)]]), children: child.children };
  });
}

/** Per bus: how many units a controller has (virDomainDiskDefAssignAddress). */
const DRIVE_BUSES: Readonly<Record<string, { perController: number; perBus: number }>> = {
  ide: { perController: 4, perBus: 2 },
  sata: { perController: 6, perBus: 6 },
  scsi: { perController: 7, perBus: 7 },
  fdc: { perController: 2, perBus: 2 },
};

function assignDriveAddresses(spec: DomainSpec): void {
  for (const device of spec.devices) {
    if (device.kind !== 'disk') continue;
    if (!device.address && targetIndex(device.target.dev) < 0) throw xmlError(`Unknown disk name '${device.target.dev}' and no address specified`);
    const layout = ownValue(DRIVE_BUSES, device.target.bus);
    if (!layout) continue;
    if (!device.address) {
      const index = Math.max(targetIndex(device.target.dev), 0);
      const controller = Math.floor(index / layout.perController);
      const within = index % layout.perController;
      const bus = device.target.bus === 'ide' || device.target.bus === 'fdc' ? Math.floor(within / layout.perBus) : 0;
      const unit = device.target.bus === 'ide' || device.target.bus === 'fdc' ? within % layout.perBus : within;
      if (device.target.bus === 'scsi') checkScsiDiskAgainstHostdevs(spec, device, controller, unit);
      device.address = {
        type: 'drive',
        attributes: new Map([
          ['controller', String(controller)],
          ['bus', String(bus)],
          ['target', '0'],
          ['unit', String(unit)],
        ]),
      };
    }
  }
}

/** The test driver's default video model (testDomainDevicesDefPostParse): xen for Xen and Linux guests, vga on ppc64, else cirrus. */
export function testDefaultVideoType(spec: DomainSpec): string {
  if (spec.os.type === 'xen' || spec.os.type === 'linux') return 'xen';
  if (spec.os.arch === 'ppc64' || spec.os.arch === 'ppc64le') return 'vga';
  return 'cirrus';
}

/** virDomainVideoDefaultRAM: the VRAM a model gets when it names none, in KiB (0: none). */
function defaultVram(spec: DomainSpec, type: string): number {
  if (type === 'vga' || type === 'cirrus' || type === 'vmvga') return spec.type === 'vbox' ? 8192 : spec.type === 'vmware' ? 4096 : 16384;
  if (type === 'bochs') return 16384;
  if (type === 'xen') return 4096;
  if (type === 'qxl') return 65536;
  return 0;
}

/** VIR_ROUND_UP_POWER_OF_TWO of a KiB count given as text (unchanged when not a number). */
function powerOfTwo(value: string | undefined): string | undefined {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n <= 0) return value;
  let p = 1;
  while (p < n) p *= 2;
  return String(p);
}

/**
 * Graphics without video get the driver's default card; each model its default memory, rounded up
 * to a power of two as libvirt does (virDomainVideoDefPostParse); the first (where parsing put the
 * primary) is the primary one.
 */
function defaultVideo(spec: DomainSpec, driver: DriverDefaults): void {
  const hasGraphics = spec.devices.some((d) => d.kind === 'graphics');
  let videos = spec.devices.filter((d) => d.kind === 'video');
  const defaultType = driver.defaultVideoType?.(spec) ?? 'cirrus';
  if (hasGraphics && videos.length === 0) {
    spec.devices.push({ kind: 'video', model: new Map([['type', defaultType]]), modelChildren: [], extra: [] });
    videos = spec.devices.filter((d) => d.kind === 'video');
  }
  // virDomainDefPostParseVideo: a first video of type none keeps nothing but its type and alias
  const first = videos[0];
  if (first?.kind === 'video' && first.model.get('type') === 'none') {
    first.model = new Map([['type', 'none']]);
    first.modelChildren = [];
    first.extra = [];
    delete first.address;
  }
  videos.forEach((video, i) => {
    if (video.kind !== 'video') return;
    const model = video.model;
    const given = model.get('type');
    const type = given === undefined || given === '' || given === 'default' ? defaultType : given;
    model.set('type', type);
    if (type === 'qxl' && !model.has('ram')) model.set('ram', String(defaultVram(spec, type)));
    const vram = defaultVram(spec, type);
    if (!model.has('vram') && vram > 0) model.set('vram', String(vram));
    for (const name of ['ram', 'vram']) {
      const rounded = powerOfTwo(model.get(name));
      if (rounded !== undefined) model.set(name, rounded);
    }
    if (type === 'qxl' && driver.qxlVgamem && !model.has('vgamem')) model.set('vgamem', '16384');
    // virDomainVideoDefNew gives one head; a card given none has none written.
    if (type !== 'none' && !model.has('heads')) model.set('heads', '1');
    if (model.get('heads') === '0') model.delete('heads');
    if (i === 0 && type !== 'none') model.set('primary', 'yes');
    else model.delete('primary');
    // virDomainDefPostParseVideo clears a first card of type none of all but its alias.
    if (i === 0 && type === 'none') {
      video.model = new Map([['type', 'none']]);
      video.modelChildren = [];
      video.extra = [];
      delete video.address;
    }
  });
}

/** The firmware features libvirt knows, in its order (virDomainOsDefFirmwareFeature). */
const FIRMWARE_FEATURES = ['enrolled-keys', 'secure-boot'];

/**
 * virDomainDefPostParseOs: enrolled keys imply secure boot (and refuse it disabled); a loader with a
 * path and no type is a ROM.
 */
function defaultOs(spec: DomainSpec, driver: DriverDefaults): void {
  if (spec.os.firmware === undefined) {
    const features = spec.os.extra.filter((e) => e.name === 'firmware').flatMap((e) => childElements(e, 'feature'));
    if (driver.firmwareFeaturesNeedAutoselection && features.length > 0) {
      throw VirError.report(
        ErrorNumber.XmlDetail,
        ErrorDomain.Domain,
        'cannot use feature-based firmware autoselection when firmware autoselection is disabled',
      );
    }
    // Without firmware autoselection, libvirt 9.0's test driver keeps no <firmware> features (measured).
    spec.os.extra = spec.os.extra.filter((e) => e.name !== 'firmware');
  }
  const firmware = spec.os.extra.find((e) => e.name === 'firmware');
  if (firmware) {
    const enabled = new Map<string, string>();
    for (const f of childElements(firmware, 'feature')) {
      const name = f.attributes.get('name');
      const value = f.attributes.get('enabled');
      if (name !== undefined && value !== undefined) enabled.set(name, value);
    }
    if (enabled.get('enrolled-keys') === 'yes') {
      if (enabled.get('secure-boot') === 'no') {
        throw VirError.report(
          ErrorNumber.XmlDetail,
          ErrorDomain.Domain,
          "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
        );
      }
      enabled.set('secure-boot', 'yes');
    }
    const features = FIRMWARE_FEATURES.filter((n) => enabled.has(n)).map((name) => element('feature', { enabled: enabled.get(name), name }));
    const others = firmware.children.filter((c) => typeof c !== 'string' && c.name !== 'feature');
    spec.os.extra = spec.os.extra.map((e) => (e === firmware ? element('firmware', Object.fromEntries(firmware.attributes), [...others, ...features]) : e));
  }
  const loader = spec.os.loader;
  if (loader && loader.path !== '' && !loader.attributes.has('type')) loader.attributes.set('type', 'rom');
}
