// A domain's `<interface>` read into its InterfaceSpec as libvirt 9.0's virDomainNetDefParseXML reads it (MAC, target, model, a virtio NIC's driver).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, type XmlElement } from '../xml-tree.js';
import { bootLoadparm, bootOrder, parseAddress, userAlias } from './device-info.js';
import type { InterfaceSpec } from './domain-spec.js';
import { enumAttribute, INTERFACE_TYPES } from './xml-enum.js';
import { propUInt } from './xml-prop.js';

const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);
const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
/** virDomainNetMacType without its unset value; virTristateBool. */
const MAC_TYPES: ReadonlySet<string> = new Set(['generated', 'static']);
const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/** `<interface>` (virDomainNetDefParseXML): its parts in libvirt's order, a virtio NIC's `<driver>` checked, another's dropped. */
export function parseInterface(el: XmlElement): InterfaceSpec {
  const attributes = new Map(el.attributes);
  const type = enumAttribute(el, 'type', INTERFACE_TYPES) ?? 'user';
  attributes.delete('type');
  const source = childElement(el, 'source');
  const spec: InterfaceSpec = {
    kind: 'interface',
    type,
    attributes,
    sourceChildren: source ? childElements(source) : [],
    beforeTarget: [],
    afterModel: [],
  };
  const macEl = childElement(el, 'mac');
  const mac = macEl?.attributes.get('address');
  if (mac !== undefined) {
    if (!MAC.test(mac)) throw xmlError(`unable to parse mac address '${mac}'`);
    spec.mac = mac.toLowerCase();
  }
  // virDomainNetDefParseXML: the MAC address's type and check.
  const macType = macEl && enumAttribute(macEl, 'type', MAC_TYPES);
  if (macType !== undefined) spec.macType = macType;
  const macCheck = macEl && enumAttribute(macEl, 'check', YES_NO);
  if (macCheck !== undefined) spec.macCheck = macCheck;
  if (source) spec.source = new Map(source.attributes);
  const target = childElement(el, 'target');
  const targetDev = target?.attributes.get('dev');
  const managed = target?.attributes.get('managed');
  if (managed !== undefined) spec.targetManaged = managed;
  // A name libvirt generates for a running domain is blanked in a definition (virDomainNetDefParseXML).
  const generated = targetDev !== undefined && managed !== 'no' && ['vnet', 'macvtap', 'macvlan'].some((p) => targetDev.startsWith(p));
  if (targetDev !== undefined && !generated) spec.targetDev = targetDev;
  const model = childElement(el, 'model')?.attributes.get('type');
  if (model !== undefined) spec.model = model;
  let afterTarget = false;
  for (const child of childElements(el)) {
    if (['mac', 'source', 'target', 'model', 'boot', 'address', 'alias'].includes(child.name)) {
      if (child.name === 'target' || child.name === 'model') afterTarget = true;
      continue;
    }
    (afterTarget || ['driver', 'filterref', 'tune', 'link', 'mtu', 'bandwidth', 'coalesce', 'rom', 'teaming', 'guest'].includes(child.name)
      ? spec.afterModel
      : spec.beforeTarget
    ).push(child);
  }
  if (type !== 'hostdev' && model !== undefined && VIRTIO_NET_MODELS.has(model)) {
    spec.afterModel = spec.afterModel.map((c) => (c.name === 'driver' ? virtioNetDriver(c) : c));
  } else if (type !== 'hostdev') {
    // libvirt keeps a <driver> only for virtio NICs; virtio options on another are refused (virDomainNetDefValidate).
    const driver = spec.afterModel.find((c) => c.name === 'driver');
    const option = driver && VIRTIO_ONLY_OPTIONS.find(([name]) => driver.attributes.has(name));
    if (option) throw unsupported(option[1]);
    spec.afterModel = spec.afterModel.filter((c) => c.name !== 'driver');
  }
  const order = bootOrder(el);
  if (order !== undefined) spec.bootOrder = order;
  const loadparm = bootLoadparm(el);
  if (loadparm !== undefined) spec.bootLoadparm = loadparm;
  const alias = userAlias(el);
  if (alias !== undefined) spec.alias = alias;
  const address = parseAddress(el);
  if (address) spec.address = address;
  return spec;
}

/** virDomainCheckVirtioOptionsAreAbsent's options and messages. */
const VIRTIO_ONLY_OPTIONS: ReadonlyArray<[string, string]> = [
  ['iommu', 'iommu driver option is only supported for virtio devices'],
  ['ats', 'ats driver option is only supported for virtio devices'],
  ['packed', 'packed driver option is only supported for virtio devices'],
  ['page_per_vq', 'page_per_vq option is only supported for virtio devices'],
];

/** virDomainNetIsVirtioModel's models. */
const VIRTIO_NET_MODELS: ReadonlySet<string> = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);
const ON_OFF: ReadonlySet<string> = new Set(['on', 'off']);

/**
 * A virtio NIC's `<driver>` as virDomainNetDefParseXMLDriver reads it: queue counts and sizes are
 * unsigned, ioeventfd and event_idx on or off, and one queue is the default (not written).
 */
function virtioNetDriver(driver: XmlElement): XmlElement {
  for (const name of ['queues', 'rx_queue_size', 'tx_queue_size']) propUInt(driver, name, 10);
  for (const name of ['ioeventfd', 'event_idx']) enumAttribute(driver, name, ON_OFF);
  if (propUInt(driver, 'queues', 10) !== 1) return driver;
  return { name: driver.name, attributes: new Map([...driver.attributes].filter(([k]) => k !== 'queues')), children: driver.children };
}
