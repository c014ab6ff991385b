// Turns each DeviceSpec back into its element as libvirt 9.0 formats it: libvirt's child and attribute order.
import { ownValue } from '../../own-key.js';
import { element, type XmlElement, type XmlNode } from '../xml-tree.js';
import { buildAddress, buildAlias, keptDevice } from './device-info.js';
import { buildBackingStore, buildDiskSource } from './disk-source-build.js';
import { byRank, ordered } from './element-order.js';
import type { CharDeviceSpec, ControllerSpec, DeviceSpec, DiskSpec, GraphicsSpec, InterfaceSpec, VideoSpec } from './domain-spec.js';

const DISK_EXTRA_BEFORE_TARGET = ['auth', 'backenddomain', 'geometry', 'blockio', 'blkiotune'];
const DISK_EXTRA_AFTER = ['iotune', 'wwn', 'vendor', 'product', 'encryption'];

function buildDisk(disk: DiskSpec): XmlElement {
  const children: XmlNode[] = [];
  if (disk.driver)
    children.push(
      element(
        'driver',
        ordered(disk.driver, [
          'name',
          'type',
          'cache',
          'error_policy',
          'rerror_policy',
          'io',
          'ioeventfd',
          'event_idx',
          'copy_on_read',
          'discard',
          'detect_zeroes',
          'iothread',
          'queues',
        ]),
        disk.driverChildren ?? [],
      ),
    );
  children.push(
    ...byRank(
      disk.extra.filter((e) => e.name === 'auth'),
      DISK_EXTRA_BEFORE_TARGET,
    ),
  );
  if (disk.source) children.push(buildDiskSource(disk.type, disk.source, disk.sourceChildren));
  if (disk.backingStore) children.push(buildBackingStore(disk.backingStore));
  children.push(
    ...byRank(
      disk.extra.filter((e) => DISK_EXTRA_BEFORE_TARGET.includes(e.name) && e.name !== 'auth'),
      DISK_EXTRA_BEFORE_TARGET,
    ),
  );
  children.push(
    element('target', { dev: disk.target.dev, bus: disk.target.bus || undefined, ...ordered(disk.target.attributes, ['tray', 'removable', 'rotation_rate']) }),
  );
  children.push(
    ...byRank(
      disk.extra.filter((e) => e.name === 'iotune'),
      DISK_EXTRA_AFTER,
    ),
  );
  if (disk.readOnly) children.push(element('readonly'));
  if (disk.shareable) children.push(element('shareable'));
  if (disk.transient) children.push(element('transient', Object.fromEntries(disk.transientAttributes ?? [])));
  if (disk.serial !== undefined) children.push(element('serial', {}, [disk.serial]));
  children.push(
    ...byRank(
      disk.extra.filter((e) => DISK_EXTRA_AFTER.includes(e.name) && e.name !== 'iotune'),
      DISK_EXTRA_AFTER,
    ),
  );
  children.push(...disk.extra.filter((e) => !DISK_EXTRA_BEFORE_TARGET.includes(e.name) && !DISK_EXTRA_AFTER.includes(e.name)));
  const bootElement = disk.bootOrder === undefined ? [] : [element('boot', { order: String(disk.bootOrder), loadparm: disk.bootLoadparm })];
  children.push(...bootElement, ...buildAlias(disk.alias), ...buildAddress(disk.address));
  const attributes = disk.attributes ?? new Map<string, string>();
  return element(
    'disk',
    {
      type: disk.type,
      device: disk.device,
      model: attributes.get('model'),
      rawio: attributes.get('rawio'),
      sgio: attributes.get('sgio'),
      snapshot: disk.snapshot,
    },
    children,
  );
}

function buildController(controller: ControllerSpec): XmlElement {
  return element(
    'controller',
    { type: controller.type, index: String(controller.index), model: controller.model, ...Object.fromEntries(controller.attributes) },
    [
      ...byRank(
        controller.children.filter((c) => c.name !== 'master'),
        ['model', 'driver', 'target', 'pcihole64'],
      ),
      ...buildAlias(controller.alias),
      ...controller.children.filter((c) => c.name === 'master'),
      ...buildAddress(controller.address),
    ],
  );
}

/** libvirt's order of an interface's children around `target` and `model` (virDomainNetDefFormat). */
const INTERFACE_BEFORE_TARGET = ['vlan', 'virtualport', 'bandwidth', 'port', 'ip', 'route', 'portForward', 'script', 'downscript', 'backenddomain'];
const INTERFACE_AFTER_MODEL = ['driver', 'backend', 'filterref', 'tune', 'teaming', 'link', 'mtu', 'coalesce'];

function buildInterface(spec: InterfaceSpec): XmlElement {
  const children: XmlNode[] = [];
  const kept = [...spec.beforeTarget, ...spec.afterModel];
  const named = (names: readonly string[]) =>
    byRank(
      kept.filter((c) => names.includes(c.name)),
      names,
    );
  if (spec.mac !== undefined) children.push(element('mac', { address: spec.mac, type: spec.macType, check: spec.macCheck }));
  // A host device interface's <driver> is its host device's, written before its source (virDomainHostdevDefFormatSubsys).
  // Only its `name` is kept, and no filter: libvirt's host device interface has neither queues nor a filterref.
  const driverGiven = spec.type === 'hostdev' ? kept.find((c) => c.name === 'driver') : undefined;
  const driverName = driverGiven?.attributes.get('name');
  if (driverName !== undefined) children.push(element('driver', { name: driverName }));
  if (spec.source) children.push(element('source', Object.fromEntries(spec.source), spec.sourceChildren));
  children.push(...named(INTERFACE_BEFORE_TARGET));
  if (spec.targetDev !== undefined || spec.targetManaged !== undefined) children.push(element('target', { dev: spec.targetDev, managed: spec.targetManaged }));
  children.push(...named(['guest']));
  if (spec.model !== undefined) children.push(element('model', { type: spec.model }));
  children.push(...named(INTERFACE_AFTER_MODEL).filter((c) => spec.type !== 'hostdev' || (c.name !== 'driver' && c.name !== 'filterref')));
  const known = [...INTERFACE_BEFORE_TARGET, 'guest', ...INTERFACE_AFTER_MODEL, 'rom', 'acpi'];
  const bootElement = spec.bootOrder === undefined ? [] : [element('boot', { order: String(spec.bootOrder), loadparm: spec.bootLoadparm })];
  children.push(...kept.filter((c) => !known.includes(c.name)), ...bootElement, ...buildAlias(spec.alias), ...named(['rom', 'acpi']));
  children.push(...buildAddress(spec.address));
  return element('interface', { type: spec.type, ...Object.fromEntries(spec.attributes) }, children);
}

function buildCharDevice(spec: CharDeviceSpec): XmlElement {
  const children: XmlNode[] = [];
  if (spec.sourceElements) {
    children.push(...spec.sourceElements);
  } else {
    if (spec.source) children.push(element('source', Object.fromEntries(spec.source), spec.sourceChildren));
    if (spec.protocol) children.push(element('protocol', Object.fromEntries(spec.protocol)));
  }
  children.push(...spec.extra.filter((e) => e.name === 'log'));
  children.push(element('target', ordered(spec.target, ['type', 'name', 'address', 'port', 'state']), spec.targetChildren));
  children.push(...spec.extra.filter((e) => e.name !== 'log'), ...buildAlias(spec.alias), ...buildAddress(spec.address));
  return element(spec.kind, { type: spec.type, tty: spec.tty }, children);
}

/** libvirt's attribute order of `<graphics>` per type; attributes of other types are not formatted. */
const GRAPHICS_ORDER: Readonly<Record<string, readonly string[]>> = {
  vnc: ['socket', 'port', 'autoport', 'websocket', 'listen', 'keymap', 'sharePolicy', 'powerControl', 'passwd', 'passwdValidTo', 'connected'],
  spice: ['port', 'tlsPort', 'autoport', 'listen', 'keymap', 'defaultMode', 'passwd', 'passwdValidTo', 'connected'],
  rdp: ['port', 'autoport', 'replaceUser', 'multiUser', 'listen'],
  sdl: ['display', 'xauth', 'fullscreen'],
  desktop: ['display', 'fullscreen'],
  'egl-headless': [],
  dbus: ['address', 'p2p'],
};

function buildGraphics(spec: GraphicsSpec): XmlElement {
  const order = ownValue(GRAPHICS_ORDER, spec.type) ?? [];
  const attributes: Record<string, string> = {};
  for (const name of order) {
    const value = spec.attributes.get(name);
    if (value !== undefined) attributes[name] = value;
  }
  // Only VNC, SPICE and RDP displays have listens (virDomainGraphicsListensParseXML).
  const listening = ['vnc', 'spice', 'rdp'].includes(spec.type) ? spec.listens : [];
  const listens = listening.map((l) => element('listen', ordered(l, ['type', 'address', 'network', 'socket', 'autoGenerated'])));
  const children = spec.type === 'spice' ? spiceChildren(spec.children) : spec.children;
  return element('graphics', { type: spec.type, ...attributes }, [...listens, ...children]);
}

/** virDomainGraphicsDefFormat's order of SPICE's children, a channel's attributes as name then mode. */
const SPICE_ORDER = ['channel', 'image', 'jpeg', 'zlib', 'playback', 'streaming', 'mouse', 'clipboard', 'filetransfer', 'gl'];

function spiceChildren(children: readonly XmlElement[]): XmlElement[] {
  return byRank(children, SPICE_ORDER).map((c) => (c.name === 'channel' ? element('channel', ordered(c.attributes, ['name', 'mode'])) : c));
}

function buildVideo(spec: VideoSpec): XmlElement {
  const model = element('model', ordered(spec.model, ['type', 'ram', 'vram', 'vram64', 'vgamem', 'heads', 'primary']), spec.modelChildren);
  return element('video', {}, [
    ...spec.extra.filter((e) => e.name === 'driver'),
    model,
    ...spec.extra.filter((e) => e.name !== 'driver'),
    ...buildAlias(spec.alias),
    ...buildAddress(spec.address),
  ]);
}

/** The element libvirt formats for a device. */
export function buildDevice(device: DeviceSpec): XmlElement {
  switch (device.kind) {
    case 'disk':
      return buildDisk(device);
    case 'controller':
      return buildController(device);
    case 'interface':
      return buildInterface(device);
    case 'graphics':
      return buildGraphics(device);
    case 'video':
      return buildVideo(device);
    case 'other':
      return keptDevice(device.element);
    default:
      return buildCharDevice(device);
  }
}

/** libvirt's order of device kinds under `<devices>` (virDomainDefFormatInternal). */
export const DEVICE_ORDER = [
  'disk',
  'controller',
  'lease',
  'filesystem',
  'interface',
  'smartcard',
  'serial',
  'parallel',
  'console',
  'channel',
  'input',
  'tpm',
  'graphics',
  'sound',
  'audio',
  'video',
  'hostdev',
  'redirdev',
  'redirfilter',
  'hub',
  'watchdog',
  'memballoon',
  'rng',
  'nvram',
  'panic',
  'shmem',
  'memory',
  'iommu',
  'vsock',
] as const;

/** The element name of a device (its kind, or the kept element's name). */
export function deviceName(device: DeviceSpec): string {
  return device.kind === 'other' ? device.element.name : device.kind;
}
