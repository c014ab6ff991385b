// `<numatune>` as libvirt 9.0 reads and writes it (virDomainNumatuneParseXML, virDomainNumatuneSet, virDomainNumatuneFormatXML), and what it does to `<vcpu placement>`.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, type XmlElement } from '../xml-tree.js';
import { formatBitmap, parseBitmap } from './bitmap.js';
import { enumAttribute } from './xml-enum.js';
import { propUInt } from './xml-prop.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** virDomainNumatuneMemMode, virDomainNumatunePlacement. */
const MODES: ReadonlySet<string> = new Set(['strict', 'preferred', 'interleave', 'restrictive']);
const PLACEMENTS: ReadonlySet<string> = new Set(['default', 'static', 'auto']);

/** A node set that parses and is not empty (virBitmapParse, then "Invalid value of 'nodeset'"). */
function nodeset(text: string): number[] {
  const bits = parseBitmap(text);
  if (bits.length === 0) throw unsupported(`Invalid value of 'nodeset': ${text}`);
  return bits;
}

/** What parsing `<numatune>` gives: the element libvirt writes (if any), and whether its memory placement is automatic. */
export interface Numatune {
  element: XmlElement | undefined;
  placementAuto: boolean;
}

/**
 * Reads the domain's `<numatune>` elements: one at most; `<memory>`'s mode, placement and node set
 * (static placement needs a node set, automatic placement drops it, a vCPU placement of auto makes
 * it auto when there is no `<memory>`); `<memnode>`s for existing guest NUMA cells only, once each,
 * restrictive when the memory is. `vcpuStatic`: `<vcpu placement>` is static; `cells`: the guest's NUMA cells.
 */
export function parseNumatune(numatunes: XmlElement[], vcpuStatic: boolean, cells: number): Numatune {
  if (numatunes.length > 1) throw xmlError('only one numatune is supported');
  const numatune = numatunes[0];
  const memory = numatune && childElement(numatune, 'memory');
  let mode: string | undefined;
  let placement: string | undefined = !vcpuStatic && !memory ? 'auto' : undefined;
  let nodes: number[] | undefined;
  if (memory) {
    mode = memory.attributes.get('mode');
    if (mode !== undefined && !MODES.has(mode)) throw unsupported(`Unsupported NUMA memory tuning mode '${mode}'`);
    placement = memory.attributes.get('placement');
    if (placement !== undefined && !PLACEMENTS.has(placement)) throw unsupported(`Unsupported NUMA memory placement mode '${placement}'`);
    const given = memory.attributes.get('nodeset');
    if (given !== undefined) nodes = nodeset(given);
  }
  let memoryElement: XmlElement | undefined;
  const specified = mode !== undefined || placement !== undefined || nodes !== undefined;
  if (specified) {
    mode ??= 'strict';
    placement ??= nodes ? 'static' : 'default';
    if (placement === 'default') placement = nodes || vcpuStatic ? 'static' : 'auto';
    if (placement === 'static' && !nodes) throw unsupported("nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
    memoryElement = placement === 'static' ? element('memory', { mode, nodeset: formatBitmap(nodes!) }) : element('memory', { mode, placement });
  }
  const memnodes = numatune ? childElements(numatune, 'memnode') : [];
  const byCell = new Map<number, XmlElement>();
  if (memnodes.length > 0) {
    if (specified && placement === 'auto') throw unsupported('Per-node binding is not compatible with automatic NUMA placement.');
    if (cells === 0) throw xmlError("Element 'memnode' is invalid without any guest NUMA cells");
    for (const memnode of memnodes) {
      const cellid = propUInt(memnode, 'cellid', 10, true)!;
      if (cellid >= cells) throw xmlError("Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell");
      if (byCell.has(cellid)) throw xmlError(`Multiple memnode elements with cellid ${cellid}`);
      const nodeMode = enumAttribute(memnode, 'mode', MODES) ?? 'strict';
      if (mode === 'restrictive' && nodeMode !== 'restrictive') {
        throw xmlError("'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element");
      }
      const given = memnode.attributes.get('nodeset');
      if (given === undefined) throw xmlError('Missing required nodeset attribute in memnode element');
      byCell.set(cellid, element('memnode', { cellid: String(cellid), mode: nodeMode, nodeset: formatBitmap(nodeset(given)) }));
    }
  }
  const children = [...(memoryElement ? [memoryElement] : []), ...[...byCell.entries()].sort((a, b) => a[0] - b[0]).map(([, el]) => el)];
  return { element: children.length > 0 ? element('numatune', {}, children) : undefined, placementAuto: specified && placement === 'auto' };
}
