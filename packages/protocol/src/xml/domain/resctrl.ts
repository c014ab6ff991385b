// `<cachetune>` and `<memorytune>` as libvirt 9.0 reads them into resctrl groups and writes them back (virDomainCachetuneDefParse, virDomainMemorytuneDefParse, virDomainCachetuneDefFormat, virDomainMemorytuneDefFormat).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, element, type XmlElement } from '../xml-tree.js';
import { formatBitmap, parseBitmap } from './bitmap.js';
import { prettySize, scaledBytes } from './scaled-elements.js';
import { enumAttribute } from './xml-enum.js';
import { propUInt } from './xml-prop.js';

const domainError = (code: number, message: string) => VirError.report(code, ErrorDomain.Domain, message);
const resctrlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Resctrl, message);

/** virCacheType, in the order virResctrlAllocForeachCache visits them. */
const CACHE_TYPES = ['both', 'code', 'data'];
const CACHE_TYPE_SET: ReadonlySet<string> = new Set(CACHE_TYPES);
/** VIR_DOMAIN_RESCTRL_MONITOR_CACHELEVEL: the only cache level a monitor may watch. */
const MONITOR_CACHE_LEVEL = 3;

type MonitorTag = 'cache' | 'membw';

/** One virDomainResctrlDef: a vCPU set, its allocation (cache sizes, memory bandwidths) and its monitors. */
interface Resctrl {
  vcpus: number[];
  /** Cache sizes in bytes by `level/type/id` (virResctrlAlloc's levels). */
  caches: { level: number; type: string; id: number; bytes: bigint }[];
  /** Memory bandwidth percentages by node id. */
  bandwidths: Map<number, number>;
  monitors: { tag: MonitorTag; vcpus: number[] }[];
}

const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const overlaps = (a: readonly number[], b: readonly number[]) => a.some((x) => b.includes(x));

/** virDomainResctrlParseVcpus: the element's `vcpus`, limited to the domain's vCPUs. */
function vcpusOf(el: XmlElement, maxVcpus: number): number[] {
  const text = el.attributes.get('vcpus');
  if (text === undefined) throw domainError(ErrorNumber.XmlError, `Missing ${el.name} attribute 'vcpus'`);
  let bits: number[];
  try {
    bits = parseBitmap(text);
  } catch {
    throw domainError(ErrorNumber.XmlError, `Invalid ${el.name} attribute 'vcpus' value '${text}'`);
  }
  return bits.filter((b) => b < maxVcpus);
}

/** virDomainResctrlVcpuMatch: the group with exactly these vCPUs, if any; a group that shares only some is an error. */
function matching(groups: readonly Resctrl[], vcpus: readonly number[]): Resctrl | undefined {
  for (const group of groups) {
    if (sameSet(group.vcpus, vcpus)) return group;
    if (overlaps(group.vcpus, vcpus)) throw domainError(ErrorNumber.XmlError, 'Overlapping vcpus in resctrls');
  }
  return undefined;
}

/** virResctrlAllocCheckCollision: a `both` allocation collides with any type of the same cache, the others with themselves. */
function collides(group: Resctrl, level: number, type: string, id: number): boolean {
  return group.caches.some((c) => c.level === level && c.id === id && (c.type === 'both' || type === 'both' || c.type === type));
}

/** virDomainCachetuneDefParseCache and virResctrlAllocSetCacheSize. */
function addCache(group: Resctrl, el: XmlElement): void {
  const id = propUInt(el, 'id', 10, true)!;
  const level = propUInt(el, 'level', 10, true)!;
  const type = enumAttribute(el, 'type', CACHE_TYPE_SET, true)!;
  const size = el.attributes.get('size');
  if (size === undefined || size === '') throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, "missing element or attribute './@size'");
  const bytes = scaledBytes(size, el.attributes.get('unit'), 1024n, './@size');
  if (collides(group, level, type, id)) throw resctrlError(`Colliding cache allocations for cache level '${level}' id '${id}', type '${type}'`);
  group.caches.push({ level, type, id, bytes });
}

/** virDomainMemorytuneDefParseMemory and virResctrlAllocSetMemoryBandwidth. */
function addBandwidth(group: Resctrl, el: XmlElement): void {
  const id = propUInt(el, 'id', 10, true)!;
  const bandwidth = propUInt(el, 'bandwidth', 10, true)!;
  if (bandwidth > 100) throw resctrlError('Memory Bandwidth value exceeding 100 is invalid.');
  if (group.bandwidths.has(id)) throw resctrlError(`Memory Bandwidth already defined for node ${id}`);
  group.bandwidths.set(id, bandwidth);
}

/** virDomainResctrlValidateMonitor: a monitor watches some of its group's vCPUs, apart from the group's other monitors. */
function validateMonitor(group: Resctrl, tag: MonitorTag, vcpus: readonly number[]): void {
  const invalid = (message: string) => domainError(ErrorNumber.InvalidArg, message);
  if (vcpus.length === 0) throw invalid('vcpus is empty');
  if (vcpus.some((v) => !group.vcpus.includes(v))) throw invalid('Monitor vcpus conflicts with allocation');
  const defaultAllocation = group.caches.length === 0 && group.bandwidths.size === 0;
  const equalToGroup = sameSet(vcpus, group.vcpus);
  let overlapAny = false;
  let overlapOutsideGroup = false;
  for (const other of group.monitors) {
    if (sameSet(vcpus, other.vcpus)) {
      if (other.tag === tag) throw invalid('Identical vcpus found in same type monitors');
      continue;
    }
    if (overlaps(vcpus, other.vcpus)) overlapAny = true;
    if (equalToGroup || sameSet(other.vcpus, group.vcpus)) continue;
    if (overlaps(vcpus, other.vcpus)) overlapOutsideGroup = true;
  }
  if (overlapOutsideGroup || (defaultAllocation && overlapAny)) throw invalid('vcpus overlaps in resctrl groups');
}

/** virDomainResctrlMonDefParse: the element's `<monitor>`s, added to the group; how many. */
function addMonitors(group: Resctrl, el: XmlElement, tag: MonitorTag, maxVcpus: number): number {
  const monitors = childElements(el, 'monitor');
  for (const monitor of monitors) {
    if (tag === 'cache') {
      const level = propUInt(monitor, 'level', 10, true)!;
      if (level !== MONITOR_CACHE_LEVEL) throw domainError(ErrorNumber.XmlError, `Invalid monitor cache level '${level}'`);
    }
    const vcpus = vcpusOf(monitor, maxVcpus);
    validateMonitor(group, tag, vcpus);
    group.monitors.push({ tag, vcpus });
  }
  return monitors.length;
}

const newGroup = (vcpus: number[]): Resctrl => ({ vcpus, caches: [], bandwidths: new Map(), monitors: [] });

/**
 * The resctrl groups of a `<cputune>` with `maxVcpus` vCPUs, as libvirt reads them for an inactive
 * definition: every `<cachetune>` first, then every `<memorytune>`; vCPU sets limited to the
 * domain's vCPUs (a tune left with none is dropped unread); a memorytune with the vCPUs of an
 * earlier tune joins its group; a given `id` is not kept (libvirt names a group after its vCPUs).
 */
function parseGroups(cputune: XmlElement, maxVcpus: number): Resctrl[] {
  const groups: Resctrl[] = [];
  for (const tune of childElements(cputune, 'cachetune')) {
    const vcpus = vcpusOf(tune, maxVcpus);
    if (vcpus.length === 0) continue;
    if (matching(groups, vcpus)) throw domainError(ErrorNumber.XmlError, 'Identical vcpus in cachetunes found');
    const group = newGroup(vcpus);
    const caches = childElements(tune, 'cache');
    for (const cache of caches) addCache(group, cache);
    const monitors = addMonitors(group, tune, 'cache', maxVcpus);
    if (monitors > 0 || caches.length > 0) groups.push(group);
  }
  for (const tune of childElements(cputune, 'memorytune')) {
    const vcpus = vcpusOf(tune, maxVcpus);
    if (vcpus.length === 0) continue;
    const existing = matching(groups, vcpus);
    const group = existing ?? newGroup(vcpus);
    const nodes = childElements(tune, 'node');
    for (const node of nodes) addBandwidth(group, node);
    const monitors = addMonitors(group, tune, 'membw', maxVcpus);
    if (!existing && (monitors > 0 || nodes.length > 0)) groups.push(group);
  }
  return groups;
}

/** virDomainResctrlMonDefFormatHelper for the monitors of one tag. */
const monitorElements = (group: Resctrl, tag: MonitorTag) =>
  group.monitors
    .filter((m) => m.tag === tag)
    .map((m) => element('monitor', { level: tag === 'cache' ? String(MONITOR_CACHE_LEVEL) : undefined, vcpus: formatBitmap(m.vcpus) }));

/** virDomainCachetuneDefFormat for an inactive domain: caches by level, type and id, each size in its largest exact unit, then monitors. */
function cachetuneElement(group: Resctrl): XmlElement | undefined {
  const caches = [...group.caches]
    .sort((a, b) => a.level - b.level || CACHE_TYPES.indexOf(a.type) - CACHE_TYPES.indexOf(b.type) || a.id - b.id)
    .map((c) => {
      const [unit, size] = prettySize(c.bytes);
      return element('cache', { id: String(c.id), level: String(c.level), type: c.type, size: String(size), unit });
    });
  const children = [...caches, ...monitorElements(group, 'cache')];
  return children.length > 0 ? element('cachetune', { vcpus: formatBitmap(group.vcpus) }, children) : undefined;
}

/** virDomainMemorytuneDefFormat for an inactive domain: bandwidths by node id, then monitors. */
function memorytuneElement(group: Resctrl): XmlElement | undefined {
  const nodes = [...group.bandwidths].sort((a, b) => a[0] - b[0]).map(([id, bandwidth]) => element('node', { id: String(id), bandwidth: String(bandwidth) }));
  const children = [...nodes, ...monitorElements(group, 'membw')];
  return children.length > 0 ? element('memorytune', { vcpus: formatBitmap(group.vcpus) }, children) : undefined;
}

/**
 * A `<cputune>`'s cache and memory tunes as libvirt 9.0 writes them for an inactive domain: one
 * `<cachetune>` per group with caches or cache monitors, then one `<memorytune>` per group with
 * bandwidths or bandwidth monitors, each with libvirt's checks (colliding caches and bandwidths in
 * VIR_FROM_RESCTRL, overlapping vCPU sets, monitors outside their group).
 */
export function canonicalResctrls(cputune: XmlElement, maxVcpus: number): XmlElement[] {
  const groups = parseGroups(cputune, maxVcpus);
  const cachetunes = groups.map(cachetuneElement).filter((e): e is XmlElement => e !== undefined);
  const memorytunes = groups.map(memorytuneElement).filter((e): e is XmlElement => e !== undefined);
  return [...cachetunes, ...memorytunes];
}
