// Parses untrusted XML into the element tree with a conformant XML 1.0 + Namespaces parser (saxes): what libxml2 refuses, virtwire refuses.
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { ErrorDomain } from '../errors/error-domain.js';
import { ErrorNumber } from '../errors/error-number.js';
import { VirError } from '../errors/vir-error.js';
import { XML_MAX_DEPTH, XML_MAX_ELEMENTS, XML_MAX_LENGTH, XML_MAX_VALUE_LENGTH } from './xml-limits.js';
import type { XmlElement } from './xml-tree.js';
import { errorContext, findWellFormednessError, lineAt } from './xml-wellformed.js';

/** How a document is named in error messages and which root it must have. */
export interface XmlDocumentKind {
  /** libxml2's URL label, e.g. `domain_snapshot` gives messages starting `(domain_snapshot):1:`. */
  readonly label: string;
  /** The required root element, e.g. `domainsnapshot`. */
  readonly root: string;
  /** The virErrorDomain syntax errors are reported in. */
  readonly errorDomain: number;
}

/** Longest element or attribute name accepted (libvirt's own are a few dozen characters). */
const MAX_NAME_LENGTH = 128;

/** Characters XML 1.0 forbids anywhere in a document (NUL and the other C0 controls, FFFE, FFFF). */
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/** A UTF-16 surrogate without its pair: no Unicode character at all, so never XML. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Encodings a declaration may name: the text is already Unicode, so only names libxml2 knows for it are accepted. */
const KNOWN_ENCODING = /^(utf-?8|utf-?16(le|be)?|us-ascii|ascii|iso-8859-([1-9]|1[0-6])|iso-10646-ucs-[24]|ucs-[24]|latin1)$/i;

/** libxml2's wording for the well-formedness errors clients meet most, keyed by saxes' message. */
const LIBXML2_WORDING: ReadonlyArray<[RegExp, (match: RegExpExecArray) => string]> = [
  [/^malformed comment\.$/, () => 'Double hyphen within comment'],
  [/^the string "\]\]>" is disallowed in char data\.$/, () => "Sequence ']]>' not allowed in content"],
  [/XML declaration must (be|appear) at the start of the document\.$/, () => 'XML declaration allowed only at the start of the document'],
  [/^duplicate attribute: \{http:\/\/www\.w3\.org\/2000\/xmlns\/\}(.*)\.$/, (m) => `Attribute xmlns:${m[1]} redefined`],
  [/^duplicate attribute: (?:\{[^}]*\})?(.*)\.$/, (m) => `Attribute ${m[1]} redefined`],
  [/^standalone value must match/, () => "standalone accepts only 'yes' or 'no'"],
  [/^documents may contain only one root\.$/, () => 'Extra content at the end of the document'],
  [/^text data outside of root node\.$/, () => 'Extra content at the end of the document'],
  [/^document must contain a root element\.$/, () => "Start tag expected, '<' not found"],
];

/** The entity or character reference that ends at (code point) `position` of `xml`, without `&` and `;`. */
function referenceBefore(xml: string, position: number): string {
  const before = Array.from(xml.slice(0, position * 2))
    .slice(0, position)
    .join('');
  return /&([^&;<\s]{0,64});?$/.exec(before)?.[1] ?? '';
}

/** libxml2's words for a bad reference `ref` (`xxe`, `#1`, `#xFFFE`). */
function referenceWording(ref: string): string {
  if (!ref.startsWith('#')) return `Entity '${ref}' not defined`;
  const code = /^#x[0-9a-fA-F]+$/.test(ref) ? Number.parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? Number.parseInt(ref.slice(1), 10) : NaN;
  if (Number.isNaN(code)) return ref.startsWith('#x') ? 'CharRef: invalid hexadecimal value' : 'CharRef: invalid decimal value';
  if (code > 0x10ffff) return 'xmlParseCharRef: character reference out of bounds';
  return `xmlParseCharRef: invalid xmlChar value ${code}`;
}

function libxml2Wording(message: string, reference: string): string {
  if (message === 'undefined entity.' || message === 'malformed character entity.') return referenceWording(reference);
  for (const [pattern, words] of LIBXML2_WORDING) {
    const match = pattern.exec(message);
    if (match) return words(match);
  }
  return message.replace(/\.$/, '');
}

function syntaxError(kind: XmlDocumentKind, line: number, detail: string): VirError {
  return VirError.report(ErrorNumber.XmlDetail, kind.errorDomain, `(${kind.label}):${line}: ${detail}`);
}

/** A failure inside the parser's callbacks, carried out of saxes with its line. */
class ParseFailure extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses an untrusted XML document into an element tree. The common well-formedness errors are
 * found first by xml-wellformed.ts, which words and places them as libxml2 does. The document must
 * then be well-formed XML 1.0
 * with well-formed namespaces (saxes implements both specifications: `--` in a comment, `]]>` in
 * text, a misplaced or malformed XML declaration, a rebound `xml` or `xmlns` prefix, an unbound
 * prefix, a duplicate attribute, an undefined entity are all refused, as libxml2 refuses them;
 * libvirt 9.0 itself only warns about namespace errors, virtwire refuses them). On top: bounded
 * size, depth, element count and value length; no DOCTYPE or entity declarations; no lone
 * surrogate; exactly one root, which must be `kind.root` (libvirt's "expecting root element of
 * 'x', not 'y'"). Entity names are looked up only among XML's five, never in an object's prototype.
 */
export function parseXmlDocument(xml: string, kind: XmlDocumentKind): XmlElement {
  if (xml.length > XML_MAX_LENGTH) throw syntaxError(kind, 1, `document is larger than ${XML_MAX_LENGTH} characters`);
  const declaration = /<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.exec(xml);
  if (declaration) throw syntaxError(kind, lineAt(xml, declaration.index), 'DOCTYPE and entity declarations are not allowed');
  const forbidden = FORBIDDEN_CHAR.exec(xml);
  if (forbidden) {
    throw syntaxError(kind, lineAt(xml, forbidden.index), `Char 0x${forbidden[0].charCodeAt(0).toString(16).toUpperCase()} out of allowed range`);
  }
  const surrogate = LONE_SURROGATE.exec(xml);
  if (surrogate) {
    throw syntaxError(kind, lineAt(xml, surrogate.index), `Char 0x${surrogate[0].charCodeAt(0).toString(16).toUpperCase()} out of allowed range`);
  }

  // The common mistakes (empty document, premature end, mismatched tags...) as libxml2 words and places them, with libvirt's context lines.
  const common = findWellFormednessError(xml);
  if (common) throw syntaxError(kind, lineAt(xml, common.at), `${common.message}\n${errorContext(xml, common.at)}`);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  /** The line each open element started on (libxml2 names it in "Premature end of data"). */
  const lines: number[] = [];
  const roots: XmlElement[] = [];
  let elements = 0;
  let failure: ParseFailure | undefined;
  /** Records the first problem and stops the parser (the throw leaves saxes through `write`). */
  const fail = (message: string): never => {
    failure ??= new ParseFailure(parser.line, message);
    throw failure;
  };
  const addText = (text: string) => {
    const parent = stack[stack.length - 1];
    if (!parent) return;
    if (text.length > XML_MAX_VALUE_LENGTH) fail(`text node longer than ${XML_MAX_VALUE_LENGTH} characters`);
    const last = parent.children[parent.children.length - 1];
    if (typeof last === 'string') parent.children[parent.children.length - 1] = last + text;
    else parent.children.push(text);
  };

  parser.on('error', (error) => {
    const message = error.message.replace(/^(?:[^:\n]*:)?\d+:\d+: /, '');
    const open = stack[stack.length - 1];
    if (message.startsWith('unclosed tag') && open) fail(`Premature end of data in tag ${open.name} line ${lines[lines.length - 1]}`);
    fail(libxml2Wording(message, referenceBefore(xml, parser.position)));
  });
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !KNOWN_ENCODING.test(decl.encoding)) fail(`Unsupported encoding ${decl.encoding}`);
    if (decl.standalone !== undefined && decl.standalone !== 'yes' && decl.standalone !== 'no') fail("standalone accepts only 'yes' or 'no'");
  });
  parser.on('doctype', () => fail('DOCTYPE and entity declarations are not allowed'));
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (++elements > XML_MAX_ELEMENTS) fail(`more than ${XML_MAX_ELEMENTS} elements`);
    if (stack.length >= XML_MAX_DEPTH) fail(`Excessive depth in document: ${XML_MAX_DEPTH} use XML_PARSE_HUGE option`);
    if (tag.name.length > MAX_NAME_LENGTH) fail(`element name longer than ${MAX_NAME_LENGTH} characters`);
    const attributes = new Map<string, string>();
    for (const attribute of Object.values(tag.attributes) as SaxesAttributeNS[]) {
      if (attribute.name.length > MAX_NAME_LENGTH) fail(`attribute name longer than ${MAX_NAME_LENGTH} characters`);
      if (attribute.value.length > XML_MAX_VALUE_LENGTH) fail(`attribute '${attribute.name}' longer than ${XML_MAX_VALUE_LENGTH} characters`);
      attributes.set(attribute.name, attribute.value);
    }
    const el: XmlElement = { name: tag.name, attributes, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else roots.push(el);
    if (!tag.isSelfClosing) {
      stack.push(el);
      lines.push(parser.line);
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.isSelfClosing) return;
    stack.pop();
    lines.pop();
  });
  parser.on('text', addText);
  parser.on('cdata', addText);

  try {
    parser.write(xml).close();
  } catch (error) {
    failure ??= new ParseFailure(parser.line, error instanceof Error ? error.message : 'invalid document');
  }
  if (failure) throw syntaxError(kind, failure.line, failure.message);
  const root = roots[0];
  if (roots.length !== 1 || !root)
    throw syntaxError(kind, 1, roots.length === 0 ? "Start tag expected, '<' not found" : 'Extra content at the end of the document');
  if (root.name !== kind.root) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `expecting root element of '${kind.root}', not '${root.name}'`);
  }
  return root;
}
