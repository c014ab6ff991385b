// Safe XML parsing into a small ordered element tree, and libvirt-style formatting of that tree.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ErrorDomain } from '../errors/error-domain.js';
import { ErrorNumber } from '../errors/error-number.js';
import { VirError } from '../errors/vir-error.js';
import { errorContext, findWellFormednessError, lineAt } from './xml-wellformed.js';
import { XML_MAX_DEPTH, XML_MAX_ELEMENTS, XML_MAX_LENGTH, XML_MAX_VALUE_LENGTH } from './xml-limits.js';

/** One XML element: its name, attributes in document order, and its element and text children. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Map<string, string>;
  readonly children: XmlNode[];
}

/** A child of an element: another element or a text run. */
export type XmlNode = XmlElement | string;

/** How a document is named in error messages and which root it must have. */
export interface XmlDocumentKind {
  /** libxml2's URL label, e.g. `domain_snapshot` gives messages starting `(domain_snapshot):1:`. */
  readonly label: string;
  /** The required root element, e.g. `domainsnapshot`. */
  readonly root: string;
  /** The virErrorDomain syntax errors are reported in. */
  readonly errorDomain: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  maxNestedTags: XML_MAX_DEPTH,
  // Names such as toString or hasOwnProperty would otherwise be renamed silently to __toString.
  onDangerousProperty: (name: string) => {
    throw new Error(`element name '${name}' is not allowed`);
  },
});

const namedEntities: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** XML 1.0's `Char` production: TAB, LF, CR and everything from space up, minus surrogates, FFFE and FFFF. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Characters XML 1.0 forbids anywhere in a document (NUL and the other C0 controls, FFFE, FFFF). */
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Decodes XML's five named entities and numeric character references; anything else is an error. */
function decodeEntities(raw: string): string {
  return raw.replace(/&(?:([^;&\s]{1,10});)?/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new Error('xmlParseEntityRef: no name');
    const named = namedEntities[ref];
    if (named !== undefined) return named;
    const code = ref.startsWith('#x') ? Number.parseInt(ref.slice(2), 16) : ref.startsWith('#') ? Number.parseInt(ref.slice(1), 10) : NaN;
    if (!Number.isInteger(code)) throw new Error(`Entity '${whole}' not defined`);
    if (!isXmlChar(code)) throw new Error(`xmlParseCharRef: invalid xmlChar value ${code}`);
    return String.fromCodePoint(code);
  });
}

function syntaxError(kind: XmlDocumentKind, line: number, detail: string): VirError {
  return VirError.report(ErrorNumber.XmlDetail, kind.errorDomain, `(${kind.label}):${line}: ${detail}`);
}

/**
 * Parses an untrusted XML document into an element tree, safely: bounded size, depth and element
 * count; no DOCTYPE or entity declarations; well-formedness checked first; exactly one root,
 * which must be `kind.root` (libvirt's "expecting root element of 'x', not 'y'").
 */
export function parseXmlDocument(xml: string, kind: XmlDocumentKind): XmlElement {
  if (xml.length > XML_MAX_LENGTH) throw syntaxError(kind, 1, `document is larger than ${XML_MAX_LENGTH} characters`);
  const declaration = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.exec(xml);
  if (declaration) {
    const line = xml.slice(0, declaration.index).split('\n').length;
    throw syntaxError(kind, line, 'DOCTYPE and entity declarations are not allowed');
  }
  const forbidden = FORBIDDEN_CHAR.exec(xml);
  if (forbidden) {
    const line = xml.slice(0, forbidden.index).split('\n').length;
    throw syntaxError(kind, line, `Char 0x${forbidden[0].charCodeAt(0).toString(16).toUpperCase()} out of allowed range`);
  }
  const wellFormedness = findWellFormednessError(xml);
  if (wellFormedness) throw syntaxError(kind, lineAt(xml, wellFormedness.at), `${wellFormedness.message}\n${errorContext(xml, wellFormedness.at)}`);
  const validation = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (validation !== true) throw syntaxError(kind, validation.err.line ?? 1, validation.err.msg);

  let raw: unknown;
  try {
    raw = parser.parse(xml);
  } catch (error) {
    throw syntaxError(kind, 1, error instanceof Error ? error.message.replace(/^\[SECURITY\]\s*/, '') : 'parse failure');
  }
  const counter = { elements: 0 };
  let nodes: XmlNode[];
  try {
    nodes = convertNodes(raw, 1, counter);
  } catch (error) {
    throw syntaxError(kind, 1, error instanceof Error ? error.message : 'invalid document');
  }
  const roots = nodes.filter((n): n is XmlElement => typeof n !== 'string');
  if (roots.length !== 1 || nodes.some((n) => typeof n === 'string' && n.trim() !== '')) {
    throw syntaxError(kind, 1, roots.length === 0 ? 'Start tag expected, \'<\' not found' : 'Extra content at the end of the document');
  }
  const root = roots[0]!;
  if (root.name !== kind.root) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `expecting root element of '${kind.root}', not '${root.name}'`);
  }
  return root;
}

function convertNodes(raw: unknown, depth: number, counter: { elements: number }): XmlNode[] {
  if (!Array.isArray(raw)) throw new Error('unexpected parser output');
  if (depth > XML_MAX_DEPTH) throw new Error(`Excessive depth in document: ${XML_MAX_DEPTH} use XML_PARSE_HUGE option`);
  const nodes: XmlNode[] = [];
  for (const entry of raw as Array<Record<string, unknown>>) {
    const keys = Object.keys(entry).filter((k) => k !== ':@');
    const key = keys[0];
    if (key === undefined) continue;
    const value = entry[key];
    if (key === '#text' || key === '#cdata') {
      const text = key === '#text' ? decodeEntities(String(value)) : cdataText(value);
      if (text.length > XML_MAX_VALUE_LENGTH) throw new Error(`text node longer than ${XML_MAX_VALUE_LENGTH} characters`);
      nodes.push(text);
      continue;
    }
    if (!NAME.test(key)) throw new Error(`invalid element name '${key.slice(0, 64)}'`);
    if (++counter.elements > XML_MAX_ELEMENTS) throw new Error(`more than ${XML_MAX_ELEMENTS} elements`);
    const attributes = new Map<string, string>();
    const rawAttributes = (entry[':@'] ?? {}) as Record<string, unknown>;
    for (const [rawName, rawValue] of Object.entries(rawAttributes)) {
      const name = rawName.slice(2);
      if (!NAME.test(name)) throw new Error(`invalid attribute name '${name.slice(0, 64)}'`);
      if (String(rawValue).includes('<')) throw new Error("Unescaped '<' not allowed in attributes values");
      const decoded = decodeEntities(String(rawValue));
      if (decoded.length > XML_MAX_VALUE_LENGTH) throw new Error(`attribute '${name}' longer than ${XML_MAX_VALUE_LENGTH} characters`);
      attributes.set(name, decoded);
    }
    nodes.push({ name: key, attributes, children: convertNodes(value, depth + 1, counter) });
  }
  return mergeText(nodes);
}

function cdataText(value: unknown): string {
  if (!Array.isArray(value)) return '';
  return value.map((part: Record<string, unknown>) => String(part['#text'] ?? '')).join('');
}

function mergeText(nodes: XmlNode[]): XmlNode[] {
  const merged: XmlNode[] = [];
  for (const node of nodes) {
    const last = merged[merged.length - 1];
    if (typeof node === 'string' && typeof last === 'string') merged[merged.length - 1] = last + node;
    else merged.push(node);
  }
  return merged;
}

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
