// A domain's `<interface>` read into its InterfaceSpec as libvirt 9.0's virDomainNetDefParseXML reads it (MAC, target, model, a virtio NIC's driver, its backend).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, type XmlElement } from '../xml-tree.js';
import { backendDomain, bootLoadparm, bootOrder, parseAddress, userAlias } from './device-info.js';
import type { InterfaceSpec } from './domain-spec.js';
import { sanitizePath } from './sanitize-path.js';
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

/** virDomainNetMacType without its unset value; virTristateBool. */
const MAC_TYPES: ReadonlySet<string> = new Set(['generated', 'static']);
const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/** `<interface>` (virDomainNetDefParseXML): its parts in libvirt's order, a virtio NIC's `<driver>` checked, another's dropped; `live` keeps a running domain's port id; `generateMac` makes a missing MAC. */
export function parseInterface(el: XmlElement, live = false, generateMac?: () => string): InterfaceSpec {
  const attributes = new Map(el.attributes);
  const type = enumAttribute(el, 'type', INTERFACE_TYPES) ?? 'user';
  attributes.delete('type');
  enumAttribute(el, 'trustGuestRxFilters', YES_NO);
  // virDomainNetSetModelString runs first, before the source and the MAC.
  const model = netModel(childElement(el, 'model')?.attributes.get('type'));
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
  } else if (generateMac) {
    // virDomainNetDefParseXML: an interface without an address gets one generated.
    spec.mac = generateMac();
  }
  // virDomainNetDefParseXML: the MAC address's type and check.
  const macType = macEl && enumAttribute(macEl, 'type', MAC_TYPES);
  if (macType !== undefined) spec.macType = macType;
  const macCheck = macEl && enumAttribute(macEl, 'check', YES_NO);
  if (macCheck !== undefined) spec.macCheck = macCheck;
  if (source) spec.source = new Map(source.attributes);
  // A network interface's port id belongs to a running domain; a definition does not read it.
  if (type === 'network' && !live) spec.source?.delete('portid');
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
    if (child.name === 'backenddomain') {
      // virDomainNetDefParseXML keeps only the first backend domain's name.
      if (child === childElement(el, 'backenddomain')) spec.beforeTarget.push(...backendDomain(el));
      continue;
    }
    (afterTarget || ['driver', 'backend', 'filterref', 'tune', 'link', 'mtu', 'bandwidth', 'coalesce', 'rom', 'teaming', 'guest'].includes(child.name)
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
  // virDomainNetDefParseXML reads a filter only for network, bridge and ethernet interfaces.
  if (!FILTERED_TYPES.has(type)) spec.afterModel = spec.afterModel.filter((c) => c.name !== 'filterref');
  const backend = spec.afterModel.find((c) => c.name === 'backend');
  if (backend) {
    const virtio = type !== 'hostdev' && model !== undefined && VIRTIO_NET_MODELS.has(model);
    const shown = netBackend(backend, virtio);
    spec.afterModel = spec.afterModel.flatMap((c) => (c.name !== 'backend' ? [c] : c === backend && shown.attributes.size > 0 ? [shown] : []));
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

/** The interface types whose `<filterref>` libvirt reads. */
const FILTERED_TYPES: ReadonlySet<string> = new Set(['network', 'bridge', 'ethernet']);

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

/** virDomainNetModel's names (`unknown` is its unset value). */
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
 * virDomainNetSetModelString then virDomainNetGetModelString: a model libvirt knows, whatever its
 * case, in libvirt's spelling (`unknown` is none); another of letters, digits, `_` and `-` as given.
 */
function netModel(given: string | undefined): string | undefined {
  if (given === undefined || given === '') return undefined;
  const known = NET_MODELS.find((m) => m.toLowerCase() === given.toLowerCase());
  if (known !== undefined) return known === 'unknown' ? undefined : known;
  if (!/^[A-Za-z0-9_-]+$/.test(given)) throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.Domain, 'Model name contains invalid characters');
  return given;
}

/**
 * virDomainNetBackendParseXML and virDomainNetBackendFormat as the recorded libvirt 9.0 (Debian 12's
 * 9.0.0 build) behaves: `passt`, which the 9.0 sources read, refused in VIR_FROM_DOMAIN, any other
 * type (`default` too) refused; the tap and (for a virtio NIC) vhost paths sanitised, the log file;
 * in that order (none: no `<backend>`).
 */
function netBackend(el: XmlElement, virtio: boolean): XmlElement {
  const type = el.attributes.get('type');
  if (type === 'passt') throw xmlError(`Invalid value for attribute 'type' in element 'backend': '${type}'.`);
  if (type !== undefined) enumAttribute(el, 'type', NO_BACKEND_TYPES);
  const tap = el.attributes.get('tap');
  const vhost = el.attributes.get('vhost');
  return element('backend', {
    tap: tap === undefined ? undefined : sanitizePath(tap),
    vhost: vhost === undefined || !virtio ? undefined : sanitizePath(vhost),
    logFile: el.attributes.get('logFile'),
  });
}

/** virDomainNetBackendType's names past `default`, in this build: none. */
const NO_BACKEND_TYPES: ReadonlySet<string> = new Set();
