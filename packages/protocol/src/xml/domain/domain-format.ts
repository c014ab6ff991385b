// The one place domain XML leaves virtwire: formatDomainXml, which holds back every secure part unless asked (VIR_DOMAIN_XML_SECURE).
import { element, formatXml, type XmlElement, type XmlNode } from '../xml-tree.js';

/** How a domain definition is formatted (virDomainGetXMLDesc's flags that change the text). */
export interface DomainFormatOptions {
  /**
   * VIR_DOMAIN_XML_SECURE: include what libvirt 9.0 formats only on request: `passwd` of VNC and
   * SPICE graphics, and a network disk source's `<cookies>`. Without it they are left out.
   */
  secure: boolean;
  /** The running domain's id, written as `<domain id>`; left out for an inactive domain or VIR_DOMAIN_XML_INACTIVE. */
  id?: number;
}

/** Elements libvirt writes open and closed even when empty. */
const OPEN_WHEN_EMPTY: ReadonlySet<string> = new Set(['devices', 'hyperv', 'redirdev']);

/**
 * A copy of `<domain>` (or `<inactiveDomain>`) without what libvirt 9.0 formats only with
 * VIR_DOMAIN_XML_SECURE, measured against libvirtd: the `passwd` of `<graphics>` (VNC and SPICE
 * keep one; libvirt keeps none for the other types, so none is ever shown), and the `<cookies>` of
 * a network disk's `<source>`, in its `<backingStore>` chain too. `passwdValidTo` and
 * `<auth>`/`<secret>` references are not secret and stay. The original is never changed.
 */
export function withoutSecrets(domain: XmlElement): XmlElement {
  const strip = (el: XmlElement): XmlElement => {
    const attributes = new Map(el.attributes);
    if (el.name === 'graphics') attributes.delete('passwd');
    const children: XmlNode[] = [];
    for (const child of el.children) {
      if (typeof child === 'string') children.push(child);
      else if (!(child.name === 'cookies' && el.name === 'source')) children.push(strip(child));
    }
    return { name: el.name, attributes, children };
  };
  return strip(domain);
}

/** A read-only disk's `snapshot='no'` is its default, which libvirt's virDomainDiskDefFormat does not write. */
function withFormatDefaults(domain: XmlElement): XmlElement {
  const devices = domain.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === 'devices');
  if (!devices) return domain;
  const isReadOnlyNo = (c: XmlNode) =>
    typeof c !== 'string' &&
    c.name === 'disk' &&
    c.attributes.get('snapshot') === 'no' &&
    c.children.some((g) => typeof g !== 'string' && g.name === 'readonly');
  if (!devices.children.some(isReadOnlyNo)) return domain;
  const disk = (c: XmlElement): XmlElement => ({ ...c, attributes: new Map([...c.attributes].filter(([k]) => k !== 'snapshot')) });
  const shownDevices: XmlElement = { ...devices, children: devices.children.map((c) => (isReadOnlyNo(c) ? disk(c as XmlElement) : c)) };
  return { ...domain, children: domain.children.map((c) => (c === devices ? shownDevices : c)) };
}

/** The `<domain>` element as it may be shown: with `id` when running, and without secrets unless `secure`. */
export function presentableDomain(domain: XmlElement, options: DomainFormatOptions): XmlElement {
  const shown = withFormatDefaults(options.secure ? domain : withoutSecrets(domain));
  if (options.id === undefined || options.id < 0) return shown;
  const attributes = new Map<string, string>();
  for (const [k, v] of shown.attributes) {
    attributes.set(k, v);
    if (k === 'type') attributes.set('id', String(options.id));
  }
  return element('domain', Object.fromEntries(attributes), shown.children);
}

/** Domain XML text as libvirt formats it, through {@link presentableDomain}. */
export function formatDomainXml(domain: XmlElement, options: DomainFormatOptions, indent = 0): string {
  return formatXml(presentableDomain(domain, options), indent, OPEN_WHEN_EMPTY);
}

/** Formats any document that may embed a `<domain>` (snapshot XML), holding back the embedded domains' secrets. */
export function formatWithDomains(root: XmlElement, secure: boolean): string {
  const shown: XmlElement = {
    name: root.name,
    attributes: root.attributes,
    children: root.children.map((c) =>
      typeof c !== 'string' && (c.name === 'domain' || c.name === 'inactiveDomain') ? withFormatDefaults(secure ? c : withoutSecrets(c)) : c,
    ),
  };
  return formatXml(shown, 0, OPEN_WHEN_EMPTY);
}
