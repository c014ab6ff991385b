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

/** virMacAddrParse: six groups of one or two hex digits, anything from a blank or control character on after the last ignored. */
const MAC = /^(?:([0-9a-f]{1,2}):){5}([0-9a-f]{1,2})(?:[\x00-\x20].*)?$/is;

/** A MAC address as libvirt reads (virMacAddrParse) and writes it (`%02x` each), or undefined when it is not one. */
export function canonicalMac(text: string): string | undefined {
  if (!MAC.test(text)) return undefined;
  const groups = text.split(':').slice(0, 6);
  groups[5] = /^[0-9a-f]{1,2}/i.exec(groups[5]!)![0];
  return groups.map((g) => g.toLowerCase().padStart(2, '0')).join(':');
}

/** virDomainNetModel's names (matched ignoring case; 'unknown' is its unset value). */
const NET_MODELS = [
  'unknown',
  'netfront',
  'rtl8139',
  'virtio',
  'e1000',
  'e1000e',
  'virtio-transitional',
  'virtio-non-transitional',
  'usb-net',
  'spapr-vlan',
  'lan9118',
  'scm91c111',
  'vlance',
  'vmxnet',
  'vmxnet2',
  'vmxnet3',
  'Am79C970A',
  'Am79C973',
  '82540EM',
  '82545EM',
  '82543GC',
];

/**
 * virDomainNetSetModelString: a model libvirt knows is written as it names it, 'unknown' is no model;
 * another keeps its name, which may hold only letters, digits, `_` and `-` (VIR_ERR_INVALID_ARG).
 */
function netModel(model: string): string | undefined {
  const known = NET_MODELS.find((m) => m.toLowerCase() === model.toLowerCase());
  if (known !== undefined) return known === 'unknown' ? undefined : known;
  if (!/^[A-Za-z0-9_-]*$/.test(model)) throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.Domain, 'Model name contains invalid characters');
  return model;
}
/** virDomainNetMacType without its unset value; virTristateBool. */
const MAC_TYPES: ReadonlySet<string> = new Set(['generated', 'static']);
const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/** `<interface>` (virDomainNetDefParseXML): its parts in libvirt's order, a virtio NIC's `<driver>` checked, another's dropped. */
export function parseInterface(el: XmlElement): InterfaceSpec {
  const attributes = new Map(el.attributes);
  const type = enumAttribute(el, 'type', INTERFACE_TYPES) ?? 'user';
  attributes.delete('type');
  enumAttribute(el, 'trustGuestRxFilters', YES_NO);
  const givenModel = childElement(el, 'model')?.attributes.get('type');
  const model = givenModel === undefined ? undefined : netModel(givenModel);
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
    const canonical = canonicalMac(mac);
    if (canonical === undefined) throw xmlError(`unable to parse mac address '${mac}'`);
    if (Number.parseInt(canonical.slice(0, 2), 16) & 1) throw xmlError(`expected unicast mac address, found multicast '${mac}'`);
    spec.mac = canonical;
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
