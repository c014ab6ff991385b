// Guest NUMA distances as libvirt 9.0 reads and writes them (virDomainNumaDefNodeDistanceParseXML, virNumaDistanceFormat): checked, completed by symmetry, written in cell order.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, element, type XmlElement } from '../xml-tree.js';
import { propUInt } from './xml-prop.js';

const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** LOCAL_DISTANCE and UNREACHABLE of numa_conf.c. */
const LOCAL_DISTANCE = 10;
const UNREACHABLE = 255;

/**
 * The `<distances>` of each of `count` guest NUMA cells, from their `<cell>`s in document order (with
 * the ids they were given): each sibling's id is a cell and its value in [10, 255], 10 exactly for the
 * cell itself; a cell that names a distance gets its own local one, and its sibling the same distance
 * back unless the sibling names one. Undefined for a cell no distance reaches.
 */
export function numaDistances(cells: readonly { id: number; el: XmlElement }[], count: number): (XmlElement | undefined)[] {
  const rows: (number[] | undefined)[] = Array.from({ length: count }, () => undefined);
  const row = (cell: number) => {
    let r = rows[cell];
    if (!r) {
      r = Array.from({ length: count }, () => 0);
      r[cell] = LOCAL_DISTANCE;
      rows[cell] = r;
    }
    return r;
  };
  for (const { id, el } of cells) {
    const distances = childElements(el, 'distances')[0];
    if (!distances) continue;
    const siblings = childElements(distances, 'sibling');
    if (siblings.length === 0) throw xmlError('NUMA distances defined without siblings');
    for (const sibling of siblings) {
      const siblingId = propUInt(sibling, 'id', 10, true)!;
      if (siblingId >= count) throw xmlError(`'sibling_id ${siblingId}' does not refer to a valid cell within NUMA 'cell id ${id}'`);
      const value = propUInt(sibling, 'value', 10, true)!;
      if (value < LOCAL_DISTANCE || value > UNREACHABLE || (siblingId === id) !== (value === LOCAL_DISTANCE)) {
        throw xmlError(`'value ${value}' is invalid for 'sibling id ${siblingId}' under NUMA 'cell id ${id}'`);
      }
      row(id)[siblingId] = value;
      const back = row(siblingId);
      if (back[id] === 0) back[id] = value;
    }
  }
  return rows.map((r) =>
    r === undefined
      ? undefined
      : element(
          'distances',
          {},
          r.flatMap((value, i) => (value === 0 ? [] : [element('sibling', { id: String(i), value: String(value) })])),
        ),
  );
}
