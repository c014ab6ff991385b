// `<memballoon>` as libvirt 9.0 reads and writes it (virDomainMemballoonDefParseXML, virDomainMemballoonDefFormat).
import { childElement, element, type XmlElement } from '../xml-tree.js';
import { enumAttribute } from './xml-enum.js';
import { propInt } from './xml-prop.js';

/** virDomainMemballoonModel. */
const MODELS: ReadonlySet<string> = new Set(['virtio', 'xen', 'none', 'virtio-transitional', 'virtio-non-transitional']);
const ON_OFF: ReadonlySet<string> = new Set(['on', 'off']);
/** virDomainVirtioOptionsFormat's order of a `<driver>`'s attributes. */
const VIRTIO_OPTIONS = ['iommu', 'ats', 'packed', 'page_per_vq'];

/**
 * A `<memballoon>`: its model (required), autodeflate and freePageReporting (on or off), then a
 * statistics period (a negative one is none, none is not written), its alias and address (not read
 * for model `none`), and its `<driver>`'s virtio options, in that order.
 */
export function parseMemballoon(el: XmlElement): XmlElement {
  const model = enumAttribute(el, 'model', MODELS, true)!;
  const autodeflate = enumAttribute(el, 'autodeflate', ON_OFF);
  const freePageReporting = enumAttribute(el, 'freePageReporting', ON_OFF);
  const stats = childElement(el, 'stats');
  const period = Math.max(0, (stats && propInt(stats, 'period', 0)) ?? 0);
  const children: XmlElement[] = [];
  if (period !== 0) children.push(element('stats', { period: String(period) }));
  if (model !== 'none') {
    const alias = childElement(el, 'alias');
    const address = childElement(el, 'address');
    if (alias) children.push(alias);
    if (address) children.push(address);
  }
  const driver = childElement(el, 'driver');
  if (driver) {
    const options = Object.fromEntries(VIRTIO_OPTIONS.map((name) => [name, driver.attributes.get(name)]));
    if (Object.values(options).some((v) => v !== undefined)) children.push(element('driver', options));
  }
  return element('memballoon', { model, autodeflate, freePageReporting }, children);
}
