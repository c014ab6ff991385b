// Reads one element under `<devices>` into its DeviceSpec; elements libvirt does not know are dropped, as libvirt drops them.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { ownValue } from '../../own-key.js';
import { childElement, childElements, element, textOf, type XmlElement } from '../xml-tree.js';
import { CHAR_DEVICE_TYPES, CONTROLLER_TYPES, DISK_TYPES, enumAttribute, GRAPHICS_TYPES, VIDEO_TYPES } from './xml-enum.js';
import { cStrToInteger, propNonNegativeInt, propUInt } from './xml-prop.js';
import { canonicalChardevSource } from './chardev-source.js';
import { checkDeviceAddressOf } from './address-checks.js';
import { checkHostdevSource } from './hostdev-checks.js';
import { parseInput, type InputContext } from './usb-checks.js';
import { parseMemballoon } from './memballoon.js';
import { checkTpm, memoryTargetNode, parsePanic, parseShmem, parseWatchdog } from './misc-devices.js';
import { canonicalMetadataCache, canonicalPcihole64 } from './scaled-elements.js';
import { parsePassthroughSmartcard, parseRedirdev, parseRedirfilter } from './redirdev-parse.js';
import { checkControllerCounts, checkControllerModel, parsePciTarget } from './controller-checks.js';
import { parseBackingStore } from './backing-store-parse.js';
import { canonicalDeviceSeclabels } from './device-seclabel.js';
import { checkDiskAuthPlacement, checkNetworkSource } from './disk-checks.js';
import { checkDiskAttributes } from './disk-attributes.js';
import { backendDomain, bootLoadparm, bootOrder, parseAddress, userAlias } from './device-info.js';
import { parseInterface } from './interface-parse.js';
import { checkGraphicsAttributes } from './graphics-defaults.js';
import type { CharDeviceSpec, DeviceSpec, DiskSpec, GraphicsSpec, VideoSpec } from './domain-spec.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);

/** Devices libvirt knows that the model keeps as elements. */
const OTHER_DEVICES = new Set([
  'lease',
  'filesystem',
  'smartcard',
  'input',
  'tpm',
  'sound',
  'audio',
  'hostdev',
  'redirdev',
  'redirfilter',
  'hub',
  'watchdog',
  'memballoon',
  'nvram',
  'rng',
  'panic',
  'shmem',
  'memory',
  'iommu',
  'vsock',
]);

const CHAR_DEVICES = new Set(['serial', 'parallel', 'console', 'channel']);

/** The device an element describes, or undefined for an element libvirt ignores. */
export function parseDevice(el: XmlElement, live = false, ctx: InputContext = { osType: 'hvm', arch: undefined, virtType: 'test' }): DeviceSpec | undefined {
  switch (el.name) {
    case 'disk':
      return parseDisk(el, live);
    case 'controller':
      return parseController(el);
    case 'interface':
      return parseInterface(el, live, ctx.generateMac);
    case 'graphics':
      return parseGraphics(el);
    case 'video':
      return parseVideo(el);
    default:
      if (CHAR_DEVICES.has(el.name)) return parseCharDevice(el, live);
      if (!OTHER_DEVICES.has(el.name)) return undefined;
      checkDeviceAddressOf(el);
      if (el.name === 'hostdev') checkHostdevSource(el);
      if (el.name === 'redirdev') return { kind: 'other', element: parseRedirdev(el) };
      if (el.name === 'smartcard' && el.attributes.get('mode') === 'passthrough') return { kind: 'other', element: parsePassthroughSmartcard(el) };
      if (el.name === 'redirfilter') {
        const filter = parseRedirfilter(el);
        return filter ? { kind: 'other', element: filter } : undefined;
      }
      if (el.name === 'shmem') return { kind: 'other', element: parseShmem(el) };
      if (el.name === 'tpm') checkTpm(el);
      if (el.name === 'memory') memoryTargetNode(el);
      if (el.name === 'input') return { kind: 'other', element: parseInput(el, ctx) };
      if (el.name === 'rng') return { kind: 'other', element: parseRng(el) };
      if (el.name === 'memballoon') return { kind: 'other', element: parseMemballoon(el) };
      if (el.name === 'panic') return { kind: 'other', element: parsePanic(el) };
      if (el.name === 'watchdog') return { kind: 'other', element: parseWatchdog(el) };
      if (el.name === 'filesystem') return { kind: 'other', element: parseFilesystem(el) };
      return { kind: 'other', element: el };
  }
}

/** Disk children the model reads itself; the others are kept as elements. */
const DISK_OWN = new Set(['driver', 'source', 'backingStore', 'target', 'readonly', 'shareable', 'transient', 'serial', 'boot', 'address', 'alias']);

function parseDisk(el: XmlElement, live: boolean): DiskSpec {
  const target = childElement(el, 'target');
  const dev = target?.attributes.get('dev');
  if (!dev) {
    const path = childElement(el, 'source')?.attributes.get('file') ?? childElement(el, 'source')?.attributes.get('dev') ?? '';
    throw new VirError({
      code: ErrorNumber.NoTarget,
      domain: ErrorDomain.Domain,
      message: `missing target information for device ${path}`,
      str1: 'missing target information for device %s',
      str2: path,
    });
  }
  // A disk without <source> is a file disk whatever its type said (virDomainDiskDefParseXML).
  const givenType = enumAttribute(el, 'type', DISK_TYPES) ?? 'file';
  const diskType = childElement(el, 'source') ? givenType : 'file';
  const givenSource = childElement(el, 'source');
  if (diskType === 'network' && givenSource) checkNetworkSource(givenSource);
  checkDiskAuthPlacement(el);
  checkDiskAttributes(el);
  const diskDevice = el.attributes.get('device') ?? 'disk';
  const bus = target!.attributes.get('bus') ?? '';
  const targetAttributes = diskTargetAttributes(target!);
  const source = childElement(el, 'source');
  const disk: DiskSpec = {
    kind: 'disk',
    type: diskType,
    device: diskDevice,
    sourceChildren: source ? (canonicalDeviceSeclabels(childElements(source)) as XmlElement[]) : [],
    target: { dev, bus, attributes: targetAttributes },
    readOnly: childElement(el, 'readonly') !== undefined,
    shareable: childElement(el, 'shareable') !== undefined,
    transient: childElement(el, 'transient') !== undefined,
    // A block job's <mirror> belongs to a running domain (its status XML); a definition drops it.
    extra: [
      ...childElements(el).filter((c) => !DISK_OWN.has(c.name) && c.name !== 'backenddomain' && (live || c.name !== 'mirror')),
      // virDomainDiskDefParseXML keeps only the first backend domain's name.
      ...backendDomain(el),
    ],
  };
  const snapshot = el.attributes.get('snapshot');
  if (snapshot !== undefined) disk.snapshot = snapshot;
  // A model of 'default' is libvirt's unset value, which it does not write.
  const diskAttributes = new Map([...el.attributes].filter(([k, v]) => ['model', 'rawio', 'sgio'].includes(k) && !(k === 'model' && v === 'default')));
  if (diskAttributes.size > 0) disk.attributes = diskAttributes;
  const transient = childElement(el, 'transient');
  if (transient && transient.attributes.size > 0) disk.transientAttributes = new Map(transient.attributes);
  const loadparm = bootLoadparm(el);
  if (loadparm !== undefined) disk.bootLoadparm = loadparm;
  const driver = childElement(el, 'driver');
  if (driver) {
    // 'default' is each driver enum's unset value, which libvirt does not write.
    disk.driver = new Map([...driver.attributes].filter(([k, v]) => !(v === 'default' && DRIVER_ENUMS.includes(k))));
    const driverChildren = childElements(driver).map((c) => (c.name === 'metadata_cache' ? canonicalMetadataCache(c) : c));
    if (driverChildren.length > 0) disk.driverChildren = driverChildren;
  }
  // `index` numbers a running domain's images (status XML); libvirt ignores it in a definition.
  if (source && (source.attributes.size > 0 || disk.sourceChildren.length > 0)) {
    disk.source = new Map(source.attributes);
    disk.source.delete('index');
  }
  const backingStore = childElement(el, 'backingStore');
  if (backingStore) disk.backingStore = parseBackingStore(backingStore);
  const serial = childElement(el, 'serial');
  if (serial) disk.serial = textOf(serial);
  const order = bootOrder(el);
  if (order !== undefined) disk.bootOrder = order;
  const alias = userAlias(el);
  if (alias !== undefined) disk.alias = alias;
  const address = parseAddress(el);
  if (address) disk.address = address;
  return disk;
}

/** virDomainDiskTray, virTristateSwitch. */
const TRAY_STATES: ReadonlySet<string> = new Set(['closed', 'open']);
const ON_OFF_SWITCH: ReadonlySet<string> = new Set(['on', 'off']);

/**
 * A disk `<target>`'s attributes besides dev and bus, as virDomainDiskDefParseXML reads them: the
 * tray (closed, its default, is not kept), removable (on or off) and a rotation rate (unsigned; 0 is
 * none); nothing else.
 */
function diskTargetAttributes(target: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  const tray = enumAttribute(target, 'tray', TRAY_STATES);
  if (tray !== undefined && tray !== 'closed') out.set('tray', tray);
  const removable = enumAttribute(target, 'removable', ON_OFF_SWITCH);
  if (removable !== undefined) out.set('removable', removable);
  const rotationRate = propUInt(target, 'rotation_rate', 10);
  if (rotationRate) out.set('rotation_rate', String(rotationRate));
  return out;
}

/** A disk `<driver>`'s enumerated attributes, whose value 'default' means unset. */
const DRIVER_ENUMS = ['cache', 'error_policy', 'rerror_policy', 'io', 'ioeventfd', 'event_idx', 'copy_on_read', 'discard', 'detect_zeroes'];

function parseController(el: XmlElement): DeviceSpec {
  const attributes = new Map(el.attributes);
  const type = enumAttribute(el, 'type', CONTROLLER_TYPES) ?? 'ide';
  attributes.delete('type');
  attributes.delete('index');
  const model = attributes.get('model');
  attributes.delete('model');
  checkControllerModel(type, model);
  const spec: DeviceSpec = {
    kind: 'controller',
    type,
    index: propNonNegativeInt(el, 'index', 10) ?? -1,
    attributes,
    children: childElements(el)
      .filter((c) => c.name !== 'address' && c.name !== 'alias')
      .map((c) => (c.name === 'pcihole64' && type === 'pci' ? canonicalPcihole64(c) : c)),
  };
  if (model !== undefined) spec.model = model;
  parsePciTarget(el, type);
  // A USB companion without a `<master>` gets its usual start port (virDomainControllerDefParseXML).
  const startPort = model === undefined ? undefined : ownValue(USB_COMPANION_PORTS, model);
  if (type === 'usb' && startPort !== undefined && !spec.children.some((c) => c.name === 'master')) {
    spec.children.push({ name: 'master', attributes: new Map([['startport', startPort]]), children: [] });
  }
  const alias = userAlias(el);
  if (alias !== undefined) spec.alias = alias;
  // libvirt ignores a `model='none'` USB controller's address.
  const address = type === 'usb' && model === 'none' ? undefined : parseAddress(el);
  if (address) spec.address = address;
  checkControllerCounts(el, type);
  return spec;
}

/** The start port libvirt gives each ICH9 UHCI companion of an EHCI controller. */
const USB_COMPANION_PORTS: Readonly<Record<string, string>> = { 'ich9-uhci1': '0', 'ich9-uhci2': '2', 'ich9-uhci3': '4' };

/**
 * `<rng>` as libvirt reads it: a `random` backend reads /dev/random unless it names a device
 * (virDomainRNGDefPostParse); an `egd` backend is a character device's source, checked and written
 * as one.
 */
function parseRng(el: XmlElement): XmlElement {
  const children = el.children.map((child) => {
    if (typeof child === 'string' || child.name !== 'backend') return child;
    const model = child.attributes.get('model');
    if (model === 'random' && textOf(child).trim() === '') return element('backend', Object.fromEntries(child.attributes), ['/dev/random']);
    if (model === 'egd') {
      const type = child.attributes.get('type') ?? 'pty';
      const sources = canonicalChardevSource(type, child, { kind: 'rng', targetType: undefined });
      return element('backend', Object.fromEntries(child.attributes), sources);
    }
    return child;
  });
  return { name: el.name, attributes: el.attributes, children };
}

/**
 * `<filesystem>`'s attributes as libvirt writes them: type `mount` by default, access mode
 * `passthrough` unless served by a socket (virDomainFSDefPostParse), modes in octal (`%04o`), in
 * virDomainFSDefFormat's order.
 */
function parseFilesystem(el: XmlElement): XmlElement {
  const a = new Map(el.attributes);
  const socket = childElement(el, 'source')?.attributes.get('socket');
  if (!a.has('type')) a.set('type', 'mount');
  if ((!a.has('accessmode') || a.get('accessmode') === 'default') && socket === undefined) a.set('accessmode', 'passthrough');
  for (const name of ['fmode', 'dmode']) {
    const value = a.get(name);
    if (value !== undefined && /^[0-7]+$/.test(value)) a.set(name, Number.parseInt(value, 8).toString(8).padStart(4, '0'));
  }
  const order = ['type', 'accessmode', 'model', 'multidevs', 'fmode', 'dmode'];
  const attributes = new Map<string, string>();
  for (const name of order) if (a.has(name)) attributes.set(name, a.get(name)!);
  for (const [name, value] of a) if (!attributes.has(name)) attributes.set(name, value);
  return { name: el.name, attributes, children: el.children };
}

/** The target types each kind of character device may name, in enum order (virDomainChr{Serial,Channel,Console}Target; a parallel port's is not read). */
const CHAR_TARGET_TYPES = new Map<string, readonly string[]>([
  ['serial', ['none', 'isa-serial', 'usb-serial', 'pci-serial', 'spapr-vio-serial', 'system-serial', 'sclp-serial', 'isa-debug']],
  ['channel', ['none', 'guestfwd', 'virtio', 'xen']],
  ['console', ['none', 'serial', 'xen', 'uml', 'virtio', 'lxc', 'openvz', 'sclp', 'sclplm']],
]);

/** virDomainChrSerialTargetModel: the models a serial port's `<target><model name>` may name. */
const SERIAL_TARGET_MODELS: ReadonlySet<string> = new Set([
  'none',
  'isa-serial',
  'usb-serial',
  'pci-serial',
  'spapr-vty',
  'pl011',
  'sclpconsole',
  'sclplmconsole',
  '16550a',
  'isa-debugcon',
]);

/** VIR_DOMAIN_CHR_CHANNEL_TARGET_TYPE_VIRTIO, which libvirt compares every kind's target type number with for a spicevmc source. */
const CHANNEL_VIRTIO = 2;

/**
 * virDomainChrDefParseTargetXML's target type and model, as its number in the kind's enum: a
 * channel must name one (without `<target>` "target type must be specified", with a `<target>`
 * that names none "unknown target type '(null)'"), the others default to none (0).
 */
function charTargetType(kind: string, target: XmlElement | undefined): number {
  const targetType = target?.attributes.get('type');
  const targetTypes = CHAR_TARGET_TYPES.get(kind);
  if (targetType === undefined) {
    if (kind !== 'channel') return 0;
    if (!target) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, 'target type must be specified for channel device');
    throw unsupported("unknown target type '(null)' specified for character device");
  }
  const n = targetTypes ? targetTypes.indexOf(targetType) : 0;
  if (n === -1) throw unsupported(`unknown target type '${targetType}' specified for character device`);
  const model = target && childElement(target, 'model')?.attributes.get('name');
  if (kind === 'serial' && model !== undefined && !SERIAL_TARGET_MODELS.has(model)) {
    throw unsupported(`unknown target model '${model}' specified for character device`);
  }
  return n;
}

function parseCharDevice(el: XmlElement, live: boolean): CharDeviceSpec {
  const type = el.attributes.get('type') ?? 'pty';
  if (!CHAR_DEVICE_TYPES.has(type)) throw unsupported(`unknown type presented to host for character device: ${type}`);
  const source = childElement(el, 'source');
  const target = childElement(el, 'target');
  // As virDomainChrDefParseTargetXML, before the source is checked.
  const targetTypeNumber = charTargetType(el.name, target);
  const protocol = childElement(el, 'protocol');
  const spec: CharDeviceSpec = {
    kind: el.name as CharDeviceSpec['kind'],
    type,
    sourceChildren: source ? childElements(source) : [],
    target: new Map(target?.attributes ?? []),
    targetChildren: target ? childElements(target) : [],
    extra: childElements(el).filter((c) => !['source', 'target', 'protocol', 'address', 'alias'].includes(c.name)),
  };
  if (source) spec.source = new Map(source.attributes);
  if (protocol) spec.protocol = new Map(protocol.attributes);
  const owner = { kind: spec.kind, targetType: spec.target.get('type') };
  spec.sourceElements = canonicalChardevSource(type, el, owner);
  if (type === 'spicevmc' && targetTypeNumber !== CHANNEL_VIRTIO) throw unsupported('spicevmc device type only supports virtio');
  // What only a running domain has: a pty's path and a console's tty; a channel's state.
  const ptyPath = source?.attributes.get('path');
  if (live && type === 'pty' && ptyPath !== undefined) spec.sourceElements = [element('source', { path: ptyPath })];
  const tty = el.attributes.get('tty');
  if (live && tty !== undefined) spec.tty = tty;
  if (!live && spec.kind === 'channel') spec.target.delete('state');
  // A parallel port has no target type (virDomainChrTargetTypeFromString reads none for it).
  if (spec.kind === 'parallel') spec.target.delete('type');
  const alias = userAlias(el);
  if (alias !== undefined) spec.alias = alias;
  const address = parseAddress(el);
  if (address) spec.address = address;
  return spec;
}

function parseGraphics(el: XmlElement): GraphicsSpec {
  const attributes = new Map(el.attributes);
  const type = enumAttribute(el, 'type', GRAPHICS_TYPES, true)!;
  checkGraphicsAttributes(el, type);
  attributes.delete('type');
  return {
    kind: 'graphics',
    type,
    attributes,
    listens: childElements(el, 'listen').map((l) => new Map(l.attributes)),
    children: childElements(el).filter((c) => c.name !== 'listen'),
  };
}

/** A video model's numbers in the order libvirt reads them, with the error number of each's parse error. */
const VIDEO_NUMBERS: ReadonlyArray<[string, number]> = [
  ['ram', ErrorNumber.XmlError],
  ['vram', ErrorNumber.XmlError],
  ['vram64', ErrorNumber.XmlError],
  ['vgamem', ErrorNumber.XmlError],
  ['heads', ErrorNumber.InternalError],
];

function parseVideo(el: XmlElement): VideoSpec {
  const model = childElement(el, 'model');
  const modelType = model?.attributes.get('type');
  if (modelType !== undefined && modelType !== '' && !VIDEO_TYPES.has(modelType)) throw unsupported(`unknown video model '${modelType}'`);
  const modelAttributes = new Map(model?.attributes ?? []);
  // virDomainVideoDefParseXML's numbers (virStrToLong_uip), after the type; 0 is unset but for heads.
  for (const [name, code] of VIDEO_NUMBERS) {
    const text = modelAttributes.get(name);
    if (text === undefined || text === '') continue;
    const n = cStrToInteger(text, 10);
    if (!n || n.negative || n.value > 0xffffffffn) throw VirError.report(code, ErrorDomain.Domain, `cannot parse video ${name} '${text}'`);
    if (n.value === 0n && name !== 'heads') modelAttributes.delete(name);
    else modelAttributes.set(name, String(n.value));
  }
  const spec: VideoSpec = {
    kind: 'video',
    model: modelAttributes,
    modelChildren: model ? childElements(model) : [],
    extra: childElements(el).filter((c) => !['model', 'address', 'alias'].includes(c.name)),
  };
  const alias = userAlias(el);
  if (alias !== undefined) spec.alias = alias;
  const address = parseAddress(el);
  if (address) spec.address = address;
  return spec;
}
