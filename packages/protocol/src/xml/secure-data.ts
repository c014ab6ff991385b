// The one list of what libvirt formats only with VIR_DOMAIN_XML_SECURE, and the filter every domain definition passes through on its way out.
import type { XmlElement, XmlNode } from './xml-tree.js';

/**
 * What libvirt 9.0 formats only with VIR_DOMAIN_XML_SECURE (VIR_DOMAIN_SNAPSHOT_XML_SECURE for
 * the `<domain>` inside a snapshot), measured against libvirtd: `passwd` of `<graphics>` (VNC and
 * SPICE; libvirt keeps no password for the other types, so virtwire never shows one), and the
 * `<cookies>` of a network disk's `<source>` (also in `<backingStore>`). `passwdValidTo` and
 * `<auth>`/`<secret>` references are not secret and stay.
 */
export const SECURE_DOMAIN_DATA = {
  /** `[element, attribute]`: the attribute is removed wherever the element appears in a definition. */
  attributes: [['graphics', 'passwd']] as ReadonlyArray<readonly [string, string]>,
  /** `[parent, element]`: the element is removed wherever it is a child of `parent`. */
  elements: [['source', 'cookies']] as ReadonlyArray<readonly [string, string]>,
};

const SECURE_ATTRIBUTES = new Map<string, string[]>();
for (const [element, attribute] of SECURE_DOMAIN_DATA.attributes) SECURE_ATTRIBUTES.set(element, [...(SECURE_ATTRIBUTES.get(element) ?? []), attribute]);
const SECURE_ELEMENTS = new Set(SECURE_DOMAIN_DATA.elements.map(([parent, element]) => `${parent}/${element}`));

/** A copy of a `<domain>` (or `<inactiveDomain>`) tree without its secure data; the original is left alone. */
export function withoutSecureData(domain: XmlElement): XmlElement {
  const strip = (el: XmlElement): XmlElement => {
    const secret = SECURE_ATTRIBUTES.get(el.name);
    const attributes = secret ? new Map([...el.attributes].filter(([k]) => !secret.includes(k))) : el.attributes;
    const children: XmlNode[] = [];
    for (const child of el.children) {
      if (typeof child === 'string') children.push(child);
      else if (!SECURE_ELEMENTS.has(`${el.name}/${child.name}`)) children.push(strip(child));
    }
    return { name: el.name, attributes, children };
  };
  return strip(domain);
}

/**
 * A document as it may leave the daemon: every `<domain>` and `<inactiveDomain>` in it (the root
 * itself, or a snapshot's children) without secure data unless `secure` (the caller checked that
 * it may ask for it: a read-write connection passing the SECURE flag).
 */
export function presentable(root: XmlElement, secure: boolean): XmlElement {
  if (secure) return root;
  if (root.name === 'domain' || root.name === 'inactiveDomain') return withoutSecureData(root);
  return {
    name: root.name,
    attributes: root.attributes,
    children: root.children.map((c) => (typeof c !== 'string' && (c.name === 'domain' || c.name === 'inactiveDomain') ? withoutSecureData(c) : c)),
  };
}
