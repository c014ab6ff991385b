// Elements libvirt 9.0 reads as scaled sizes or switches and writes in its own unit and form: memtune, memoryBacking's pages, features, pcihole64, metadata_cache.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, textOf, type XmlElement, type XmlNode } from '../xml-tree.js';
import { formatBitmap, parseBitmap } from './bitmap.js';
import type { DomainSpec } from './domain-spec.js';
import { enumAttribute } from './xml-enum.js';

/** Bytes per unit suffix (virScaleInteger): binary for `k`/`KiB`, decimal for `KB`. */
export function unitFactor(unit: string): bigint | undefined {
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const i = ['k', 'm', 'g', 't', 'p', 'e'].indexOf(u[0] ?? '');
  if (i < 0) return undefined;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return 1024n ** BigInt(i + 1);
  if (rest === 'b') return 1000n ** BigInt(i + 1);
  return undefined;
}

/** virParseScaledValue: `text` in `unit` (or `scale` bytes each when none) as bytes, with libvirt's errors. */
export function scaledBytes(text: string, unit: string | undefined, scale: bigint, xpath: string): bigint {
  const value = text.trim();
  if (!/^\d+$/.test(value)) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value '${value}' for element or attribute '${xpath}'`);
  const factor = unit === undefined ? scale : unitFactor(unit);
  if (factor === undefined) throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.None, `unknown suffix '${unit}'`);
  const bytes = BigInt(value) * factor;
  if (bytes > 2n ** 64n - 1n) throw VirError.report(ErrorNumber.Overflow, ErrorDomain.None, `value too large: ${value}${unit ?? ''}`);
  return bytes;
}

const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;
/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED, in KiB. */
const UNLIMITED = 9007199254740991n;

/** `<memtune>` as virDomainMemtuneFormat writes it: each limit in KiB, unlimited ones left out, an empty memtune left out. */
export function canonicalMemtune(memtune: XmlElement): XmlElement | undefined {
  const children: XmlElement[] = [];
  for (const name of ['hard_limit', 'soft_limit', 'min_guarantee', 'swap_hard_limit']) {
    const el = childElement(memtune, name);
    if (!el) continue;
    const kib = divUp(scaledBytes(textOf(el), el.attributes.get('unit'), 1024n, `./memtune/${name}[1]`), 1024n);
    const shown = name === 'min_guarantee' ? kib !== 0n : kib < UNLIMITED;
    if (shown) children.push(element(name, { unit: 'KiB' }, [String(kib)]));
  }
  return children.length > 0 ? element('memtune', {}, children) : undefined;
}

/** virDomainMemorybackingFormat's order of children. */
const MEMORY_BACKING_ORDER = ['hugepages', 'nosharepages', 'locked', 'source', 'access', 'allocation', 'discard'];

/** `<memoryBacking>`: hugepage sizes in KiB (never 0), node sets in libvirt's form, children in libvirt's order. */
export function canonicalMemoryBacking(backing: XmlElement): XmlElement {
  const pages = (hugepages: XmlElement): XmlElement => {
    const children = childElements(hugepages, 'page').map((page) => {
      const size = page.attributes.get('size');
      if (size === undefined) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, "missing element or attribute './@size'");
      const kib = divUp(scaledBytes(size, page.attributes.get('unit'), 1024n, './@size'), 1024n);
      if (kib === 0n) throw VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, "hugepage size can't be zero");
      const nodeset = page.attributes.get('nodeset');
      let shown: string | undefined;
      if (nodeset !== undefined) {
        const bits = parseBitmap(nodeset);
        if (bits.length === 0) throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, `Invalid value of 'nodeset': ${nodeset}`);
        shown = formatBitmap(bits);
      }
      return element('page', { size: String(kib), unit: 'KiB', nodeset: shown });
    });
    return element('hugepages', {}, children);
  };
  const rank = (el: XmlElement) => {
    const at = MEMORY_BACKING_ORDER.indexOf(el.name);
    return at === -1 ? MEMORY_BACKING_ORDER.length : at;
  };
  const children = childElements(backing)
    .map((c) => (c.name === 'hugepages' ? pages(c) : c))
    .sort((a, b) => rank(a) - rank(b));
  return { name: backing.name, attributes: backing.attributes, children };
}

/** The hugepages' sizes and node sets, for virDomainDefMemtuneValidate. */
function hugepagesOf(spec: DomainSpec): { size: string; nodes: number[] | undefined }[] {
  const backing = spec.extra.get('memoryBacking')?.[0];
  const hugepages = backing && childElement(backing, 'hugepages');
  if (!hugepages) return [];
  return childElements(hugepages, 'page').map((p) => {
    const nodeset = p.attributes.get('nodeset');
    return { size: p.attributes.get('size') ?? '0', nodes: nodeset === undefined ? undefined : parseBitmap(nodeset) };
  });
}

/** The guest NUMA cells (`<cpu><numa><cell>`). */
const numaCells = (spec: DomainSpec) =>
  (spec.extra.get('cpu') ?? []).flatMap((cpu) => childElements(cpu, 'numa')).flatMap((n) => childElements(n, 'cell')).length;

/** virDomainDefPostParseMemtune: without guest NUMA, a hugepage node set of only node 0 is dropped. */
export function postParseHugepages(spec: DomainSpec): void {
  if (numaCells(spec) > 0) return;
  const backing = spec.extra.get('memoryBacking')?.[0];
  const hugepages = backing && childElement(backing, 'hugepages');
  if (!hugepages) return;
  for (const page of childElements(hugepages, 'page')) {
    const nodeset = page.attributes.get('nodeset');
    if (nodeset !== undefined && parseBitmap(nodeset).every((n) => n === 0)) page.attributes.delete('nodeset');
  }
}

/** virDomainDefMemtuneValidate's hugepage rules: node sets do not intersect, one page without a node set at most, nodes exist. */
export function validateHugepages(spec: DomainSpec): void {
  const detail = (message: string) => VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, message);
  const cells = numaCells(spec);
  const pages = hugepagesOf(spec);
  pages.forEach((page, i) => {
    for (const other of pages.slice(0, i)) {
      if (page.nodes && other.nodes && page.nodes.some((n) => other.nodes!.includes(n))) {
        throw detail(`nodeset attribute of hugepages of sizes ${page.size} and ${other.size} intersect`);
      }
      if (!page.nodes && !other.nodes) throw detail(`two master hugepages detected: ${page.size} and ${other.size}`);
    }
    const missing = page.nodes?.find((n) => n >= cells);
    if (missing !== undefined) throw detail(`hugepages: node ${missing} not found`);
  });
}

const ON_OFF: ReadonlySet<string> = new Set(['on', 'off']);
/** Features libvirt reads as a switch that is on unless it says off, and writes with its state. */
const STATE_DEFAULT_ON = new Set(['vmcoreinfo', 'hap', 'pmu', 'pvspinlock', 'vmport']);
/** virGICVersion's names. */
const GIC_VERSIONS: ReadonlySet<string> = new Set(['host', '2', '3']);

/** virDomainFeature's order, in which virDomainDefFormatFeatures writes them. */
const FEATURE_ORDER = [
  'acpi',
  'apic',
  'pae',
  'hap',
  'viridian',
  'privnet',
  'hyperv',
  'kvm',
  'pvspinlock',
  'capabilities',
  'pmu',
  'vmport',
  'gic',
  'smm',
  'ioapic',
  'hpt',
  'vmcoreinfo',
  'htm',
  'nested-hv',
  'msrs',
  'ccf-assist',
  'xen',
  'cfpc',
  'sbbc',
  'ibs',
  'tcg',
];

/** virFormatIntPretty: a size in bytes in the largest binary unit (up to PiB) that divides it, as `[unit, value]`. */
export function prettySize(bytes: bigint): [string, bigint] {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let value = bytes;
  while (i < units.length - 1 && value !== 0n && value % 1024n === 0n) {
    value /= 1024n;
    i++;
  }
  return [units[i]!, value];
}

/**
 * `<features>` as libvirt reads and writes it: switches on by default written with their state,
 * SMM's TSEG in its largest exact unit, HPT's maxpagesize in KiB, the GIC version checked, Hyper-V's
 * mode `custom` by default, all in virDomainFeature's order.
 */
export function canonicalFeatures(features: XmlElement): XmlElement {
  const children = features.children.map((c): XmlNode => {
    if (typeof c === 'string') return c;
    if (STATE_DEFAULT_ON.has(c.name)) {
      const state = enumAttribute(c, 'state', ON_OFF) ?? 'on';
      return element(c.name, { state });
    }
    switch (c.name) {
      case 'hyperv':
        return c.attributes.has('mode') ? c : { ...c, attributes: new Map([['mode', 'custom'], ...c.attributes]) };
      case 'gic':
        enumAttribute(c, 'version', GIC_VERSIONS);
        return c;
      case 'smm': {
        const state = enumAttribute(c, 'state', ON_OFF) ?? 'on';
        const tseg = childElement(c, 'tseg');
        if (state !== 'on' || !tseg) return element('smm', { state });
        const [unit, value] = prettySize(scaledBytes(textOf(tseg), tseg.attributes.get('unit'), 1024n * 1024n, 'string(./features/smm/tseg)'));
        return element('smm', { state }, [element('tseg', { unit }, [String(value)])]);
      }
      case 'hpt': {
        const max = childElement(c, 'maxpagesize');
        if (!max) return c;
        const kib = divUp(scaledBytes(textOf(max), max.attributes.get('unit'), 1024n, './features/hpt/maxpagesize'), 1024n);
        const rest = c.children.filter((x) => typeof x !== 'string' && x !== max);
        return { ...c, children: [...(kib > 0n ? [element('maxpagesize', { unit: 'KiB' }, [String(kib)])] : []), ...rest] };
      }
      default:
        return c;
    }
  });
  const rank = (c: XmlNode) => {
    const at = typeof c === 'string' ? -1 : FEATURE_ORDER.indexOf(c.name);
    return at === -1 ? FEATURE_ORDER.length : at;
  };
  return { ...features, children: children.filter((c) => typeof c !== 'string').sort((a, b) => rank(a) - rank(b)) };
}

/** A PCI controller's `<pcihole64>` in KiB (VIR_DIV_UP of its bytes), as virDomainControllerDefFormat writes it. */
export function canonicalPcihole64(el: XmlElement): XmlElement {
  const kib = divUp(scaledBytes(textOf(el), el.attributes.get('unit'), 1024n, './pcihole64'), 1024n);
  return element('pcihole64', { unit: 'KiB' }, [String(kib)]);
}

/** A disk driver's `<metadata_cache>` with `<max_size>` in bytes. */
export function canonicalMetadataCache(el: XmlElement): XmlElement {
  const max = childElement(el, 'max_size');
  if (!max) return el;
  const bytes = scaledBytes(textOf(max), max.attributes.get('unit'), 1n, './metadata_cache/max_size');
  return element('metadata_cache', {}, bytes > 0n ? [element('max_size', { unit: 'bytes' }, [String(bytes)])] : []);
}
