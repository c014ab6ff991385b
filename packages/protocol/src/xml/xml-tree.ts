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

/** libxml2's xmlNodeDump, which libvirt uses for `<metadata>`: `&`, `<`, `>` in text; those, `"` and line controls in attributes. */
const escapeDumpText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
const escapeDumpAttribute = (s: string) => escapeDumpText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');

/** How one element's attributes and text are written. */
interface Style {
  attribute(name: string, value: string): string;
  text(value: string): string;
}
const LIBVIRT: Style = { attribute: (k, v) => ` ${k}='${escapeAttribute(v)}'`, text: escapeText };
const LIBXML2_DUMP: Style = { attribute: (k, v) => ` ${k}="${escapeDumpAttribute(v)}"`, text: escapeDumpText };

const NONE: ReadonlySet<string> = new Set();

/**
 * Formats an element the way libvirt does: two-space indentation, single-quoted attributes,
 * empty elements self-closed (except those named in `openWhenEmpty`, as libvirt's `<devices>`),
 * text-only elements on one line. A `<metadata>` element and what it holds are written as libxml2 dumps them
 * for libvirt (double-quoted attributes, its escapes).
 */
export function formatXml(el: XmlElement, indent = 0, openWhenEmpty: ReadonlySet<string> = NONE): string {
  return formatElement(el, indent, openWhenEmpty, LIBVIRT);
}

function formatElement(el: XmlElement, indent: number, openWhenEmpty: ReadonlySet<string>, style: Style): string {
  const pad = ' '.repeat(indent);
  // libxml2 dumps `<metadata>` itself too (its namespace declarations).
  const attrs = [...el.attributes].map(([k, v]) => (el.name === 'metadata' ? LIBXML2_DUMP : style).attribute(k, v)).join('');
  const elements = childElements(el);
  if (elements.length === 0) {
    const text = textOf(el);
    if (text === '' && openWhenEmpty.has(el.name)) return `${pad}<${el.name}${attrs}>\n${pad}</${el.name}>\n`;
    return text === '' ? `${pad}<${el.name}${attrs}/>\n` : `${pad}<${el.name}${attrs}>${style.text(text)}</${el.name}>\n`;
  }
  const inner = el.name === 'metadata' ? LIBXML2_DUMP : style;
  let body = '';
  for (const child of el.children) {
    if (typeof child === 'string') {
      if (child.trim() !== '') body += `${pad}  ${inner.text(child.trim())}\n`;
    } else {
      body += formatElement(child, indent + 2, openWhenEmpty, inner);
    }
  }
  return `${pad}<${el.name}${attrs}>\n${body}${pad}</${el.name}>\n`;
}
