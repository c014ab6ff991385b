// A guest `<cpu>` as libvirt 9.0 formats it back (virCPUDefFormatBufFull, virDomainNumaDefFormatXML): its defaults and order.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, element, textOf, type XmlElement, type XmlNode } from '../xml-tree.js';
import { withoutBlankText } from './device-info.js';
import { ordered } from './element-order.js';
import { numaDistances } from './numa-distances.js';
import { parseMemoryKiB } from './scaled-memory.js';
import { formatBitmap, parseBitmap } from './bitmap.js';
import { enumAttribute } from './xml-enum.js';
import { propUInt } from './xml-prop.js';

/** libvirt's order of a CPU's children. */
const CHILD_ORDER = ['model', 'vendor', 'topology', 'cache', 'maxphysaddr', 'feature', 'numa'];

/**
 * The `<cpu>` libvirt formats for a guest CPU as given: `mode` (custom by default) and, for custom
 * mode, `match` (exact by default), then `check` and `migratable`, written only when the CPU is
 * more than a topology (a model or another mode); `<model fallback>` (allow by default) where the
 * mode has a model; topology with `dies` (1 by default); children in libvirt's order.
 */
export function canonicalCpu(given: XmlElement): XmlElement {
  const cpu = withoutBlankText(given);
  const mode = cpu.attributes.get('mode') ?? 'custom';
  const modelEl = childElements(cpu, 'model')[0];
  const model = modelEl ? textOf(modelEl).trim() : '';
  const attributes: Record<string, string | undefined> = {};
  if (mode !== 'custom' || model !== '') {
    attributes.mode = mode;
    if (mode === 'custom') attributes.match = cpu.attributes.get('match') ?? 'exact';
    const check = cpu.attributes.get('check');
    if (check !== undefined && check !== 'default') attributes.check = check;
    if (mode === 'host-passthrough' || mode === 'maximum') attributes.migratable = cpu.attributes.get('migratable');
  }
  const children: XmlNode[] = [];
  const hasModel = mode === 'custom' || mode === 'host-model';
  for (const name of CHILD_ORDER) {
    for (const child of childElements(cpu, name)) {
      if (name === 'model') {
        if (!hasModel) continue;
        const vendorId = child.attributes.get('vendor_id');
        if (model === '' && vendorId === undefined) continue;
        const fallback = model === '' ? undefined : (child.attributes.get('fallback') ?? 'allow');
        children.push(element('model', { fallback, vendor_id: vendorId }, model === '' ? [] : [model]));
      } else if (name === 'vendor') {
        if (hasModel) children.push(child);
      } else if (name === 'topology') {
        const t = new Map(child.attributes);
        if (!t.has('dies')) t.set('dies', '1');
        children.push(element('topology', ordered(t, ['sockets', 'dies', 'cores', 'threads'])));
      } else if (name === 'maxphysaddr') {
        children.push(element('maxphysaddr', ordered(child.attributes, ['mode', 'bits'])));
      } else if (name === 'feature') {
        children.push(element('feature', { policy: child.attributes.get('policy') ?? 'require', ...ordered(child.attributes, ['name'], ['policy']) }));
      } else if (name === 'numa') {
        children.push(canonicalNuma(child));
      } else {
        children.push(child);
      }
    }
  }
  return element('cpu', attributes, children);
}

/** virDomainMemoryAccess, virTristateBool. */
const MEM_ACCESS: ReadonlySet<string> = new Set(['shared', 'private']);
const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/**
 * `<numa>` (virDomainNumaDefParseXML): each `<cell>` with its id (its position by default; ids
 * 0..n-1, once each), cpus in libvirt's set form (no two cells sharing a vCPU), memory in KiB,
 * memAccess and discard checked, then the rest, in id order; each with its distances (numa-distances.ts)
 * and caches.
 */
function canonicalNuma(numa: XmlElement): XmlElement {
  const given = childElements(numa, 'cell');
  const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);
  const seen = new Map<number, number[]>();
  const read = given.map((cell, i) => {
    const a = cell.attributes;
    const id = propUInt(cell, 'id', 10) ?? i;
    if (id >= given.length) {
      throw xmlError("Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed");
    }
    if (seen.has(id)) throw xmlError(`Duplicate NUMA cell info for cell id '${id}'`);
    const cpus = a.get('cpus') === undefined ? [] : parseBitmap(a.get('cpus')!);
    for (const [other, theirs] of seen) {
      if (cpus.some((c) => theirs.includes(c))) {
        throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, `NUMA cells ${id} and ${other} have overlapping vCPU ids`);
      }
    }
    seen.set(id, cpus);
    let memory = a.get('memory');
    try {
      if (memory !== undefined) memory = String(parseMemoryKiB(memory, a.get('unit'), './cpu/numa/cell/@memory'));
    } catch (error) {
      if (!(error instanceof VirError)) throw error;
    }
    enumAttribute(cell, 'memAccess', MEM_ACCESS);
    enumAttribute(cell, 'discard', YES_NO);
    const out = { id: String(id), cpus: cpus.length > 0 ? formatBitmap(cpus) : undefined, memory, unit: memory === undefined ? undefined : 'KiB' };
    const rest = new Map([...a].filter(([k]) => !['id', 'cpus', 'memory', 'unit'].includes(k)));
    return { id, el: cell, attributes: { ...out, ...ordered(rest, ['memAccess', 'discard']) } };
  });
  const distances = numaDistances(read, given.length);
  const cells = read
    .map(({ id, el, attributes }) => element('cell', attributes, [...(distances[id] ? [distances[id]] : []), ...childElements(el, 'cache')]))
    .sort((x, y) => Number(x.attributes.get('id')) - Number(y.attributes.get('id')));
  return element('numa', {}, [...cells, ...childElements(numa).filter((c) => c.name !== 'cell')]);
}
