// A device's libvirt "device info": its user alias, its `<boot>` and its `<address>`, read and formatted as libvirt 9.0 does (virDomainDeviceInfoParseXML/Format).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, type XmlElement, type XmlNode } from '../xml-tree.js';
import { checkDeviceAddress } from './address-checks.js';
import type { AddressSpec } from './domain-spec.js';

/** The characters of a user alias after its `ua-` prefix (USER_ALIAS_CHARS). */
const USER_ALIAS = /^ua-[A-Za-z0-9_-]*$/;

/**
 * The `<alias name>` libvirt keeps when it parses an inactive definition: only a user alias
 * (`ua-` and letters, digits, `_`, `-`); any other alias is the running domain's and is dropped.
 */
export function userAlias(el: XmlElement): string | undefined {
  const name = childElements(el, 'alias')[0]?.attributes.get('name');
  return name !== undefined && USER_ALIAS.test(name) ? name : undefined;
}

/** `<alias name>` for a user alias, or nothing. */
export function buildAlias(alias: string | undefined): XmlElement[] {
  return alias === undefined ? [] : [element('alias', { name: alias })];
}

/** A number as libvirt reads it (decimal, or hex after 0x), or undefined when it is not one. */
function number(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^0x[0-9a-f]+$/i.test(value)) return Number.parseInt(value.slice(2), 16);
  if (/^\d+$/.test(value)) return Number(value);
  return undefined;
}

const hex = (n: number, width = 0) => `0x${n.toString(16).padStart(width, '0')}`;

/**
 * The attributes libvirt formats for an address of `type` from the given ones, or undefined when a
 * value is not a number (then the address is kept as given).
 */
function addressAttributes(type: string, a: ReadonlyMap<string, string>): Record<string, string> | undefined {
  const n = (name: string) => number(a.get(name) ?? '0');
  switch (type) {
    case 'pci': {
      const [domain, bus, slot, fn] = [n('domain'), n('bus'), n('slot'), n('function')];
      if (domain === undefined || bus === undefined || slot === undefined || fn === undefined) return undefined;
      const out: Record<string, string> = {};
      // virPCIDeviceAddressIsEmpty looks at the domain, bus and slot only: an empty one loses its function.
      if (domain !== 0 || bus !== 0 || slot !== 0) Object.assign(out, { domain: hex(domain, 4), bus: hex(bus, 2), slot: hex(slot, 2), function: hex(fn) });
      const multifunction = a.get('multifunction');
      if (multifunction !== undefined) out.multifunction = multifunction;
      return out;
    }
    case 'drive': {
      const values = ['controller', 'bus', 'target', 'unit'].map((k) => [k, n(k)] as const);
      return values.some(([, v]) => v === undefined) ? undefined : Object.fromEntries(values.map(([k, v]) => [k, String(v)]));
    }
    case 'virtio-serial': {
      const values = ['controller', 'bus', 'port'].map((k) => [k, n(k)] as const);
      return values.some(([, v]) => v === undefined) ? undefined : Object.fromEntries(values.map(([k, v]) => [k, String(v)]));
    }
    case 'ccid': {
      const values = ['controller', 'slot'].map((k) => [k, n(k)] as const);
      return values.some(([, v]) => v === undefined) ? undefined : Object.fromEntries(values.map(([k, v]) => [k, String(v)]));
    }
    case 'spapr-vio': {
      // virDomainDeviceInfoFormat: `reg` as 0x%08llx, when given.
      const reg = a.get('reg');
      if (reg === undefined) return {};
      const value = /^(0x)?[0-9a-f]+$/i.test(reg) ? BigInt(reg.toLowerCase().startsWith('0x') ? reg : `0x${reg}`) : undefined;
      return value === undefined ? undefined : { reg: `0x${value.toString(16).padStart(8, '0')}` };
    }
    case 'ccw': {
      const [cssid, ssid, devno] = [n('cssid'), n('ssid'), n('devno')];
      if (cssid === undefined || ssid === undefined || devno === undefined) return undefined;
      return { cssid: hex(cssid), ssid: hex(ssid), devno: hex(devno, 4) };
    }
    default:
      return undefined;
  }
}

/** `<address>` as libvirt formats it: its type's attributes, order and number format (PCI, drive, virtio-serial, ccid, ccw); others as given. */
export function buildAddress(address: AddressSpec | undefined): XmlElement[] {
  if (!address) return [];
  const children = (address.children ?? []).map((child) => (child.name === 'zpci' && address.type === 'pci' ? zpci(child) : child));
  const formatted = addressAttributes(address.type, address.attributes);
  const attributes = formatted ?? Object.fromEntries(address.attributes);
  return [element('address', { type: address.type, ...attributes }, children)];
}

/** `<zpci uid fid>` with libvirt's widths (`0x%.4x`, `0x%.8x`). */
function zpci(el: XmlElement): XmlElement {
  const uid = number(el.attributes.get('uid') ?? '0');
  const fid = number(el.attributes.get('fid') ?? '0');
  if (uid === undefined || fid === undefined) return el;
  return element('zpci', { uid: hex(uid, 4), fid: hex(fid, 8) });
}

/**
 * A structured element (a device or a top-level element libvirt parses into its own fields) without
 * its whitespace-only text, at every depth: libvirt formats such elements from what it parsed, so
 * `<input type='mouse'>\n</input>` comes back empty (`<input type='mouse'/>`).
 */
export function withoutBlankText(el: XmlElement): XmlElement {
  return {
    name: el.name,
    attributes: el.attributes,
    children: el.children.flatMap((c): XmlNode[] => (typeof c === 'string' ? (c.trim() === '' ? [] : [c]) : [withoutBlankText(c)])),
  };
}

/** The `<address>` child of a device element, if any. */
export function parseAddress(el: XmlElement): AddressSpec | undefined {
  const address = childElements(el, 'address')[0];
  if (!address) return undefined;
  checkDeviceAddress(address);
  const attributes = new Map(address.attributes);
  const type = attributes.get('type') ?? '';
  attributes.delete('type');
  const children = childElements(address);
  return children.length > 0 ? { type, attributes, children } : { type, attributes };
}

/**
 * A device the model keeps as an element, as libvirt formats it back: an alias only when it is a
 * user alias, and its `<address>` (and a PCI host device's source address) in libvirt's format.
 */
export function keptDevice(el: XmlElement): XmlElement {
  const alias = userAlias(el);
  const children: XmlNode[] = [];
  for (const child of withoutBlankText(el).children) {
    if (typeof child === 'string') children.push(child);
    else if (child.name === 'alias') children.push(...buildAlias(alias));
    else if (child.name === 'address') children.push(...buildAddress(parseAddress(el)));
    else if (child.name === 'source' && el.name === 'hostdev') children.push(hostdevSource(el, child));
    else children.push(child);
  }
  return { name: el.name, attributes: el.name === 'hostdev' ? hostdevAttributes(el.attributes) : el.attributes, children };
}

/**
 * `<hostdev>`'s attributes in virDomainHostdevDefFormat's order; a subsystem device always says
 * whether it is managed (`no` unless it is `yes`).
 */
function hostdevAttributes(given: ReadonlyMap<string, string>): Map<string, string> {
  const mode = given.get('mode') ?? 'subsystem';
  const out = new Map<string, string>([['mode', mode]]);
  const type = given.get('type');
  if (type !== undefined) out.set('type', type);
  if (mode === 'subsystem') out.set('managed', given.get('managed') === 'yes' ? 'yes' : 'no');
  for (const name of ['sgio', 'rawio', 'model', 'display', 'ramfb']) {
    const value = given.get(name);
    if (value !== undefined) out.set(name, value);
  }
  for (const [name, value] of given) if (!out.has(name) && name !== 'managed') out.set(name, value);
  return out;
}

/** A host device's `<source>`: a PCI address in libvirt's format, an iSCSI name with its LUN (0 by default). */
function hostdevSource(hostdev: XmlElement, source: XmlElement): XmlElement {
  if (hostdev.attributes.get('type') === 'pci') return hostPciSource(source);
  const name = source.attributes.get('name');
  if (source.attributes.get('protocol') === 'iscsi' && name !== undefined && !name.includes('/')) {
    return { name: source.name, attributes: new Map([...source.attributes, ['name', `${name}/0`]]), children: source.children };
  }
  return source;
}

/** A PCI host device's `<source>`: its `<address>` as libvirt formats a host PCI address (virPCIDeviceAddressFormat). */
function hostPciSource(source: XmlElement): XmlElement {
  const format = (c: XmlElement): XmlElement => {
    const values = ['domain', 'bus', 'slot', 'function'].map((k) => number(c.attributes.get(k) ?? '0'));
    const [domain, bus, slot, fn] = values;
    if (domain === undefined || bus === undefined || slot === undefined || fn === undefined) return c;
    const rest = [...c.attributes].filter(([k]) => !['domain', 'bus', 'slot', 'function'].includes(k));
    return element('address', { domain: hex(domain, 4), bus: hex(bus, 2), slot: hex(slot, 2), function: hex(fn), ...Object.fromEntries(rest) }, c.children);
  };
  return {
    name: source.name,
    attributes: source.attributes,
    children: source.children.map((c) => (typeof c !== 'string' && c.name === 'address' ? format(c) : c)),
  };
}

/** `<boot order>` as virDomainDeviceBootParseXML reads it: a positive integer. */
export function bootOrder(el: XmlElement): number | undefined {
  const order = childElement(el, 'boot')?.attributes.get('order');
  if (order === undefined) return undefined;
  if (!/^\d+$/.test(order) || Number(order) === 0)
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `incorrect boot order '${order}', expecting positive integer`);
  return Number(order);
}

/** `<boot loadparm>` upper-cased and checked as libvirt's virDomainDeviceBootParseXML does. */
export function bootLoadparm(el: XmlElement): string | undefined {
  const given = childElement(el, 'boot')?.attributes.get('loadparm');
  if (given === undefined) return undefined;
  const value = given.toUpperCase();
  const internal = (message: string) => VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, message);
  if (value.trim() === '' || value.length > 8) throw internal(`loadparm value '${value}' must be between 1 and 8 characters`);
  if (!/^[A-Z0-9. ]*$/.test(value)) throw internal(`invalid loadparm value '${value}', expecting chars in set of [a-zA-Z0-9.] and blank spaces`);
  return value;
}

/** A device's `<backenddomain>` as libvirt keeps it: the first one's name, when it has one. */
export function backendDomain(el: XmlElement): XmlElement[] {
  const name = childElement(el, 'backenddomain')?.attributes.get('name');
  return name ? [element('backenddomain', { name })] : [];
}
