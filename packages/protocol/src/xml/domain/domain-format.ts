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
const OPEN_WHEN_EMPTY: ReadonlySet<string> = new Set(['devices']);

/** Graphics types whose `passwd` libvirt treats as secure (the others do not keep one). */
const PASSWORD_GRAPHICS = new Set(['vnc', 'spice']);

/** A copy of `<domain>` without its secure parts (the original is never changed). */
export function withoutSecrets(domain: XmlElement): XmlElement {
  const strip = (el: XmlElement, path: string): XmlElement => {
    const attributes = new Map(el.attributes);
    if (path === 'domain/devices/graphics' && PASSWORD_GRAPHICS.has(attributes.get('type') ?? '')) attributes.delete('passwd');
    const children: XmlNode[] = [];
    for (const child of el.children) {
      if (typeof child === 'string') children.push(child);
      else if (!(child.name === 'cookies' && path === 'domain/devices/disk/source')) children.push(strip(child, `${path}/${child.name}`));
    }
    return { name: el.name, attributes, children };
  };
  return strip(domain, 'domain');
}

/** The `<domain>` element as it may be shown: with `id` when running, and without secrets unless `secure`. */
export function presentableDomain(domain: XmlElement, options: DomainFormatOptions): XmlElement {
  const shown = options.secure ? domain : withoutSecrets(domain);
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
    children: root.children.map((c) => (typeof c !== 'string' && (c.name === 'domain' || c.name === 'inactiveDomain') && !secure ? withoutSecrets(c) : c)),
  };
  return formatXml(shown, 0, OPEN_WHEN_EMPTY);
}
