// A small ordered XML element tree (parsed safely by xml-parse.ts), its accessors, and libvirt-style formatting.

/** One XML element: its name, attributes in document order, and its element and text children. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Map<string, string>;
  readonly children: XmlNode[];
}

/** A child of an element: another element or a text run. */
export type XmlNode = XmlElement | string;

export { parseXmlDocument, type XmlDocumentKind } from './xml-parse.js';

/** Builds an element; attributes with undefined values are left out. */
export function element(name: string, attributes: Record<string, string | undefined> = {}, children: XmlNode[] = []): XmlElement {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) map.set(k, v);
  return { name, attributes: map, children };
}

/** The first child element called `name`. */
export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === name);
}

/** Every child element, or every child element called `name`. */
export function childElements(parent: XmlElement, name?: string): XmlElement[] {
  return parent.children.filter((c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name));
}

/** The text content of an element (its own text runs, concatenated). */
export function textOf(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === 'string').join('');
}

/** The text of the child element `name`, or undefined when absent. */
export function childText(parent: XmlElement, name: string): string | undefined {
  const child = childElement(parent, name);
  return child ? textOf(child) : undefined;
}

/** A deep copy of an element tree. */
export function cloneElement(el: XmlElement): XmlElement {
  return { name: el.name, attributes: new Map(el.attributes), children: el.children.map((c) => (typeof c === 'string' ? c : cloneElement(c))) };
}

/** libvirt's virBufferEscapeString: the same five entities in text and in attribute values. */
const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
const escapeAttribute = escapeText;

const NONE: ReadonlySet<string> = new Set();

/**
 * Formats an element the way libvirt does: two-space indentation, single-quoted attributes,
 * empty elements self-closed (except those named in `openWhenEmpty`, as libvirt's `<devices>`),
 * text-only elements on one line.
 */
export function formatXml(el: XmlElement, indent = 0, openWhenEmpty: ReadonlySet<string> = NONE): string {
  const pad = ' '.repeat(indent);
  const attrs = [...el.attributes].map(([k, v]) => ` ${k}='${escapeAttribute(v)}'`).join('');
  const elements = childElements(el);
  if (elements.length === 0) {
    const text = textOf(el);
    if (text === '' && openWhenEmpty.has(el.name)) return `${pad}<${el.name}${attrs}>\n${pad}</${el.name}>\n`;
    return text === '' ? `${pad}<${el.name}${attrs}/>\n` : `${pad}<${el.name}${attrs}>${escapeText(text)}</${el.name}>\n`;
  }
  let body = '';
  for (const child of el.children) {
    if (typeof child === 'string') {
      if (child.trim() !== '') body += `${pad}  ${escapeText(child.trim())}\n`;
    } else {
      body += formatXml(child, indent + 2, openWhenEmpty);
    }
  }
  return `${pad}<${el.name}${attrs}>\n${body}${pad}</${el.name}>\n`;
}
