// USB redirection, its filter and a passthrough smartcard as libvirt 9.0 reads and writes them: a character device's source, libvirt's numbers.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, element, type XmlElement, type XmlNode } from '../xml-tree.js';
import { canonicalChardevSource } from './chardev-source.js';
import { CHAR_DEVICE_TYPES } from './xml-enum.js';
import { cStrToInteger } from './xml-prop.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** A device's children after its character-device source: libvirt's device info (boot, alias, address), in that order. */
const deviceInfo = (el: XmlElement) => ['boot', 'alias', 'address'].flatMap((name) => childElements(el, name).slice(0, 1));

/** The element with `sources` in place of its `<source>`/`<protocol>`, then its device info. */
function withSources(el: XmlElement, attributes: Map<string, string>, sources: XmlElement[]): XmlElement {
  const children: XmlNode[] = [...sources, ...deviceInfo(el)];
  return { name: el.name, attributes, children };
}

/**
 * virDomainRedirdevDefParseXML: bus `usb` by default, a known character device type (required),
 * its source checked and written as a character device's; a D-Bus redirection's channel defaults
 * to `org.qemu.usbredir`; a USB redirection takes only a USB address.
 */
export function parseRedirdev(el: XmlElement): XmlElement {
  const bus = el.attributes.get('bus') ?? 'usb';
  if (bus !== 'usb') throw unsupported(`unknown redirdev bus '${bus}'`);
  const type = el.attributes.get('type');
  if (type === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'missing type in redirdev');
  if (!CHAR_DEVICE_TYPES.has(type)) throw unsupported(`unknown redirdev character device type '${type}'`);
  let holder = el;
  const source = childElements(el, 'source')[0];
  if (type === 'dbus' && source?.attributes.get('channel') === undefined) {
    const given = source ? [...source.attributes] : [];
    const defaulted = element('source', { ...Object.fromEntries(given), channel: 'org.qemu.usbredir' }, source ? childElements(source) : []);
    holder = { ...el, children: [defaulted, ...el.children.filter((c) => c !== source)] };
  }
  const sources = canonicalChardevSource(type, holder, { kind: 'redirdev', targetType: undefined });
  const addressType = childElements(el, 'address')[0]?.attributes.get('type');
  if (addressType !== undefined && addressType !== 'usb') throw xmlError('Invalid address for a USB device');
  const attributes = new Map([
    ['bus', bus],
    ['type', type],
  ]);
  return withSources(el, attributes, sources);
}

/** virDomainSmartcardDefParseXML for `mode='passthrough'`: a character device type (required) and its source. */
export function parsePassthroughSmartcard(el: XmlElement): XmlElement {
  const type = el.attributes.get('type');
  if (type === undefined) throw xmlError('passthrough mode requires a character device type attribute');
  if (!CHAR_DEVICE_TYPES.has(type)) throw unsupported(`unknown type presented to host for character device: ${type}`);
  const sources = canonicalChardevSource(type, el, { kind: 'smartcard', targetType: undefined });
  return withSources(
    el,
    new Map([
      ['mode', 'passthrough'],
      ['type', type],
    ]),
    sources,
  );
}

const hexUpper = (n: number, width: number) => `0x${n.toString(16).toUpperCase().padStart(width, '0')}`;

/** virXMLPropInt (any C base) for a filter's number, -1 when absent. */
function filterInt(el: XmlElement, name: string): number {
  const value = el.attributes.get(name);
  if (value === undefined) return -1;
  const n = cStrToInteger(value, 0);
  const signed = n && (n.negative ? -n.value : n.value);
  if (signed === undefined || signed > 0x7fffffffn || signed < -0x80000000n) {
    throw VirError.report(
      ErrorNumber.XmlError,
      ErrorDomain.Xml,
      `Invalid value for attribute '${name}' in element '${el.name}': '${value}'. Expected integer value`,
    );
  }
  return Number(signed);
}

/** virDomainRedirFilterUSBVersionHelper: `JJ.MN` as written back (`%d.%02d`, `J.M` meaning `J.M0`). */
function usbVersion(version: string): string {
  const m = /^\+?(\d+)\.\+?(\d+)$/.exec(version);
  const major = m ? Number(m[1]) : NaN;
  let minor = m ? Number(m[2]) : NaN;
  if (!m || major >= 100 || minor >= 100) throw xmlError(`Cannot parse USB device version ${version}`);
  if (m[2]!.length === 1) minor *= 10;
  return `${major}.${String(minor).padStart(2, '0')}`;
}

/**
 * virDomainRedirFilterDefParseXML/Format: each `<usbdev>`'s class (a byte), vendor and product in
 * upper-case hex, version as `J.MM`, allow (required, yes or no); an empty filter is not written.
 */
export function parseRedirfilter(el: XmlElement): XmlElement | undefined {
  const usbdevs = childElements(el, 'usbdev').map((u) => {
    const usbClass = filterInt(u, 'class');
    if (usbClass !== -1 && (usbClass & ~0xff) !== 0) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, `Invalid USB Class code 0x${(usbClass >>> 0).toString(16)}`);
    }
    const vendor = filterInt(u, 'vendor');
    const product = filterInt(u, 'product');
    const version = u.attributes.get('version');
    const allow = u.attributes.get('allow');
    if (allow === undefined) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, "Missing required attribute 'allow' in element 'usbdev'");
    if (allow !== 'yes' && allow !== 'no') {
      throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value for attribute 'allow' in element 'usbdev': '${allow}'.`);
    }
    return element('usbdev', {
      class: usbClass >= 0 ? hexUpper(usbClass, 2) : undefined,
      vendor: vendor >= 0 ? hexUpper(vendor, 4) : undefined,
      product: product >= 0 ? hexUpper(product, 4) : undefined,
      version: version !== undefined && version !== '-1' ? usbVersion(version) : undefined,
      allow,
    });
  });
  return usbdevs.length === 0 ? undefined : element('redirfilter', {}, usbdevs);
}
