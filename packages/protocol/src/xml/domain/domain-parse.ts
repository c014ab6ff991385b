// Reads a `<domain>` element tree into a DomainSpec with libvirt's checks, in libvirt's order, and its words.
import { ownValue } from '../../own-key.js';
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, textOf, type XmlElement } from '../xml-tree.js';
import { propUInt } from './xml-prop.js';
import { insertController } from './controller-order.js';
import { canonicalCpu } from './cpu-format.js';
import { canonicalClockAttributes } from './clock-parse.js';
import { insertDisk } from './disk-order.js';
import { parseDevice } from './device-parse.js';
import type { CharDeviceSpec, DeviceSpec, DomainSpec, OsSpec, VideoSpec } from './domain-spec.js';
import { parseMemoryKiB } from './scaled-memory.js';
import { canonicalFeatures, canonicalMemoryBacking, canonicalMemtune } from './scaled-elements.js';
import { formatBitmap, parseBitmap } from './bitmap.js';
import { parseNumatune } from './numatune.js';
import { parseIOThreads } from './iothreads.js';
import { canonicalDomainSeclabels } from './device-seclabel.js';
import { canonicalGenid } from './genid.js';
import { sanitizedMetadata } from './metadata.js';
import { canonicalSysinfos, parseUuidText } from './sysinfo.js';
import { canonicalCputune } from './cputune.js';
import { enumAttribute } from './xml-enum.js';
import { checkUsbControllers, checkUsbDevicesWithoutUsb } from './usb-checks.js';

/** The virt types libvirt 9.0 knows (virDomainVirt). */
const VIRT_TYPES = new Set([
  'none',
  'qemu',
  'kqemu',
  'kvm',
  'xen',
  'lxc',
  'uml',
  'openvz',
  'test',
  'vmware',
  'hyperv',
  'vbox',
  'phyp',
  'parallels',
  'bhyve',
  'vz',
  'hvf',
]);

/** Top-level elements libvirt knows but the model keeps as elements; anything else is dropped, as libvirt drops it. */
export const KEPT_TOP_LEVEL = [
  'genid',
  'metadata',
  'maxMemory',
  'blkiotune',
  'memtune',
  'memoryBacking',
  'vcpus',
  'iothreads',
  'iothreadids',
  'defaultiothread',
  'cputune',
  'numatune',
  'resource',
  'sysinfo',
  'bootloader',
  'bootloader_args',
  'idmap',
  'features',
  'cpu',
  'on_lockfailure',
  'pm',
  'perf',
  'seclabel',
  'keywrap',
  'launchSecurity',
  'throttlegroups',
] as const;

const ACTIONS = new Set(['destroy', 'restart', 'rename-restart', 'preserve']);
const CRASH_ACTIONS = new Set([...ACTIONS, 'coredump-destroy', 'coredump-restart']);

const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);
const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);

/**
 * The order in which virDomainDefParseXML reads the devices: every element of one kind (in document
 * order) before the next kind, so that of several errors libvirt's is the first reported.
 */
const DEVICE_PARSE_ORDER = [
  'disk',
  'controller',
  'lease',
  'filesystem',
  'interface',
  'smartcard',
  'parallel',
  'serial',
  'console',
  'channel',
  'input',
  'graphics',
  'sound',
  'audio',
  'video',
  'hostdev',
  'watchdog',
  'memballoon',
  'rng',
  'tpm',
  'nvram',
  'hub',
  'redirdev',
  'redirfilter',
  'panic',
  'shmem',
  'memory',
  'iommu',
  'vsock',
] as const;

/** The devices virDomainDefParseXML reads one of at most, with its error when there are more. */
const SINGLE_DEVICES: Readonly<Record<string, readonly [number, string]>> = {
  watchdog: [ErrorNumber.InternalError, 'only a single watchdog device is supported'],
  memballoon: [ErrorNumber.InternalError, 'only a single memory balloon device is supported'],
  nvram: [ErrorNumber.InternalError, 'only a single nvram device is supported'],
  redirfilter: [ErrorNumber.InternalError, 'only one set of redirection filter rule is supported'],
  iommu: [ErrorNumber.XmlError, 'only a single IOMMU device is supported'],
  vsock: [ErrorNumber.XmlError, 'only a single vsock device is supported'],
};

/** What parsing needs from the caller. */
export interface DomainParseOptions {
  /** Makes a uuid for a definition without one (and a generation ID for an empty `<genid>`); without it a missing uuid is an error. */
  generateUuid?: () => string;
  /** A running domain's definition (libvirt's status XML): keeps what only a live domain has (a pty's path). */
  live?: boolean;
  /** Makes a MAC address for an interface without one (virDomainNetGenerateMAC); without it none is made. */
  generateMac?: () => string;
}

/**
 * Parses a `<domain>` root (libvirt's virDomainDefParseXML): the checks in libvirt's order with
 * its error numbers and texts. Defaults are the caller's (see domain-defaults.ts).
 */
export function parseDomainSpec(root: XmlElement, options: DomainParseOptions = {}): DomainSpec {
  const type = root.attributes.get('type');
  if (type === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'missing domain type attribute');
  if (!VIRT_TYPES.has(type)) throw unsupported(`invalid domain type ${type}`);
  const name = text(root, 'name')?.trim();
  if (!name)
    throw new VirError({ code: ErrorNumber.NoName, domain: ErrorDomain.Domain, message: 'missing name information', str1: 'missing name information' });
  const { uuid, generated } = parseUuid(root, options);
  const genid = canonicalGenid(childElements(root, 'genid'), options.generateUuid);
  const spec: DomainSpec = {
    type,
    name,
    uuid,
    memoryKiB: 0,
    currentMemoryKiB: 0,
    vcpu: { count: 1, placement: 'static' },
    os: { type: '', boot: [], extra: [] },
    clock: { attributes: new Map(), children: [] },
    lifecycle: { onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'destroy' },
    devices: [],
    extra: new Map(),
  };
  // virXPathString: an empty title or description is none.
  const title = text(root, 'title');
  if (title) {
    if (title.includes('\n')) throw xmlError("Domain title can't contain newlines");
    spec.title = title;
  }
  const description = text(root, 'description');
  if (description) spec.description = description;
  const memory = childElement(root, 'memory');
  if (memory) spec.memoryKiB = parseMemoryKiB(textOf(memory), memory.attributes.get('unit'), './memory[1]');
  const dumpCore = memory?.attributes.get('dumpCore');
  if (dumpCore !== undefined) spec.dumpCore = dumpCore;
  const current = childElement(root, 'currentMemory');
  if (current) spec.currentMemoryKiB = parseMemoryKiB(textOf(current), current.attributes.get('unit'), './currentMemory[1]');
  parseVcpu(root, spec);
  spec.os = parseOs(root);
  const clock = childElement(root, 'clock');
  if (clock) spec.clock = { attributes: canonicalClockAttributes(clock), children: childElements(clock, 'timer') };
  spec.lifecycle = {
    onPoweroff: action(root, 'on_poweroff', 'destroy', ACTIONS),
    onReboot: action(root, 'on_reboot', 'restart', ACTIONS),
    onCrash: action(root, 'on_crash', 'destroy', CRASH_ACTIONS),
  };
  const seclabels = canonicalDomainSeclabels(childElements(root, 'seclabel'), options.live === true);
  const devices = childElement(root, 'devices');
  if (devices) {
    const emulator = text(devices, 'emulator')?.trim();
    if (emulator) spec.emulator = emulator;
    for (const name of DEVICE_PARSE_ORDER) {
      const found = childElements(devices, name);
      const single = ownValue(SINGLE_DEVICES, name);
      if (single && found.length > 1) throw VirError.report(single[0], ErrorDomain.Domain, single[1]);
      for (const el of found) {
        const device: DeviceSpec | undefined = parseDevice(el, options.live === true, {
          osType: spec.os.type,
          arch: spec.os.arch,
          virtType: type,
          generateMac: options.generateMac,
        });
        if (device?.kind === 'controller') insertController(spec.devices, device);
        else if (device?.kind === 'disk') insertDisk(spec.devices, device);
        else if (device?.kind === 'video' && device.model.get('primary') === 'yes') insertPrimaryVideo(spec.devices, device);
        else if (device) spec.devices.push(device);
      }
    }
    // virDomainDefParseXML keeps one balloon (def->memballoon)
    if (childElements(devices, 'memballoon').length > 1) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'only a single memory balloon device is supported');
    }
  }
  const sysinfo = canonicalSysinfos(childElements(root, 'sysinfo'), uuid, generated);
  spec.uuid = sysinfo.uuid;
  // A console's port is its position among the consoles, whatever it says (virDomainDefParseXML).
  spec.devices.filter((d): d is CharDeviceSpec => d.kind === 'console').forEach((console, i) => console.target.set('port', String(i)));
  for (const name of KEPT_TOP_LEVEL) {
    const found = childElements(root, name);
    const kept = name === 'metadata' ? found.slice(0, 1).map((m) => sanitizedMetadata(m, [root])) : keptTopLevel(name, found);
    if (kept.length > 0) spec.extra.set(name, kept);
  }
  if (sysinfo.elements.length > 0) spec.extra.set('sysinfo', sysinfo.elements);
  if (seclabels.length > 0) spec.extra.set('seclabel', seclabels);
  if (genid) spec.extra.set('genid', [genid]);
  applyNumatune(root, spec);
  const iothreads = parseIOThreads(root);
  for (const [name, el] of Object.entries(iothreads.elements)) if (el) spec.extra.set(name, [el]);
  const cputune = childElement(root, 'cputune');
  const tuned = cputune && canonicalCputune(cputune, spec.vcpu.count, iothreads.ids);
  if (tuned) spec.extra.set('cputune', [tuned]);
  checkUsbControllers(spec);
  checkUsbDevicesWithoutUsb(spec);
  return spec;
}

function text(parent: XmlElement, name: string): string | undefined {
  const el = childElement(parent, name);
  return el ? textOf(el) : undefined;
}

/** virDomainDefParseIDs' `<uuid>`: read as virUUIDParse reads it, or generated (then `<sysinfo>` may give it). */
function parseUuid(root: XmlElement, options: DomainParseOptions): { uuid: string; generated: boolean } {
  const given = text(root, 'uuid');
  if (given === undefined || given === '') {
    if (!options.generateUuid) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'missing domain uuid');
    return { uuid: options.generateUuid(), generated: true };
  }
  const uuid = parseUuidText(given);
  if (uuid === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'malformed uuid element');
  return { uuid, generated: false };
}

/**
 * `<numatune>` read into its canonical element (numatune.ts); automatic memory placement makes the
 * vCPUs' placement automatic when nothing pins them (virDomainDefParseXML).
 */
function applyNumatune(root: XmlElement, spec: DomainSpec): void {
  const cells = childElements(root, 'cpu')
    .flatMap((cpu) => childElements(cpu, 'numa'))
    .flatMap((n) => childElements(n, 'cell')).length;
  const numatune = parseNumatune(childElements(root, 'numatune'), spec.vcpu.placement === 'static', cells);
  if (numatune.element) spec.extra.set('numatune', [numatune.element]);
  const cputune = childElement(root, 'cputune');
  const pinned = cputune !== undefined && ['vcpupin', 'emulatorpin', 'iothreadpin'].some((name) => childElement(cputune, name) !== undefined);
  if (numatune.placementAuto && spec.vcpu.cpuset === undefined && !pinned) spec.vcpu.placement = 'auto';
}

/** virDomainCpuPlacementMode. */
const VCPU_PLACEMENTS: ReadonlySet<string> = new Set(['static', 'auto']);

function parseVcpu(root: XmlElement, spec: DomainSpec): void {
  const vcpu = childElement(root, 'vcpu');
  if (!vcpu) return;
  const count = positiveInteger(textOf(vcpu).trim() || '1', './vcpu[1]');
  spec.vcpu = { count, placement: enumAttribute(vcpu, 'placement', VCPU_PLACEMENTS) ?? 'static' };
  // An automatic placement ignores a cpuset; a static one is a CPU set in libvirt's form.
  const cpuset = spec.vcpu.placement === 'auto' ? undefined : vcpu.attributes.get('cpuset');
  if (cpuset !== undefined) {
    const bits = parseBitmap(cpuset);
    if (bits.length === 0) throw unsupported(`Invalid value of 'cpuset': ${cpuset}`);
    spec.vcpu.cpuset = formatBitmap(bits);
  }
  const current = vcpu.attributes.get('current');
  if (current !== undefined) {
    const n = positiveInteger(current, './vcpu[1]/@current');
    if (n !== count) spec.vcpu.current = n;
  }
}

function positiveInteger(value: string, xpath: string): number {
  if (!/^\d+$/.test(value)) throw xmlError(`Invalid value '${value}' for element or attribute '${xpath}'`);
  return Number(value);
}

function parseOs(root: XmlElement): OsSpec {
  const os = childElement(root, 'os');
  const type = os ? childElement(os, 'type') : undefined;
  if (!os || !type) throw xmlError('an os <type> must be specified');
  const spec: OsSpec = { type: textOf(type).trim(), boot: [], extra: [] };
  const firmware = os.attributes.get('firmware');
  if (firmware !== undefined) spec.firmware = firmware;
  const arch = type.attributes.get('arch');
  if (arch !== undefined) spec.arch = arch;
  const machine = type.attributes.get('machine');
  if (machine !== undefined) spec.machine = machine;
  for (const child of childElements(os)) {
    switch (child.name) {
      case 'type':
        break;
      case 'boot': {
        const dev = child.attributes.get('dev');
        if (dev === undefined) throw xmlError('missing boot device');
        spec.boot.push(dev);
        break;
      }
      case 'loader':
        spec.loader = { attributes: new Map(child.attributes), path: textOf(child).trim() };
        break;
      case 'nvram':
        spec.nvram = { attributes: new Map(child.attributes), path: textOf(child).trim(), children: childElements(child) };
        break;
      case 'bootmenu': {
        const menu = bootMenu(child);
        if (menu) spec.extra.push(menu);
        break;
      }
      default:
        spec.extra.push(child);
    }
  }
  return spec;
}

const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/** `<bootmenu>` as libvirt reads and writes it: `enable` yes or no (none: not written), a timeout only when enabled. */
function bootMenu(el: XmlElement): XmlElement | undefined {
  const enable = enumAttribute(el, 'enable', YES_NO);
  const timeout = enable === 'yes' ? propUInt(el, 'timeout', 10) : undefined;
  if (enable === undefined) return undefined;
  return element('bootmenu', { enable, timeout: timeout === undefined ? undefined : String(timeout) });
}

function action(root: XmlElement, name: string, fallback: string, allowed: ReadonlySet<string>): string {
  const value = text(root, name)?.trim();
  if (value === undefined) return fallback;
  if (!allowed.has(value)) throw unsupported(`unknown ${name} action: ${value}`);
  return value;
}

/** The primary video goes first among the videos (virDomainDefParseXML); libvirt refuses a second one. */
function insertPrimaryVideo(devices: DeviceSpec[], video: VideoSpec): void {
  const videos = devices.filter((d): d is VideoSpec => d.kind === 'video');
  if (videos.some((v) => v.model.get('primary') === 'yes')) throw unsupported('Only one primary video device is supported');
  const first = videos[0];
  devices.splice(first ? devices.indexOf(first) : devices.length, 0, video);
}

/** A kept top-level element as libvirt writes it back: the parts the model reads itself in canonical form. */
function keptTopLevel(name: string, found: XmlElement[]): XmlElement[] {
  switch (name) {
    case 'cpu':
      return found.map(canonicalCpu).filter((c) => c.attributes.size > 0 || c.children.length > 0);
    case 'features':
      return found.map(canonicalFeatures);
    case 'memtune':
      return found.slice(0, 1).flatMap((m) => canonicalMemtune(m) ?? []);
    case 'memoryBacking':
      return found.map(canonicalMemoryBacking);
    case 'numatune':
    case 'sysinfo':
    case 'seclabel':
    case 'genid':
    case 'cputune':
    case 'iothreads':
    case 'iothreadids':
    case 'defaultiothread':
      return [];
    default:
      return found;
  }
}
