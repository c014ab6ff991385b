// A well-formedness scan that reports the first error as libxml2 words it, with libvirt's context and pointer lines.

/** The first well-formedness error of a document: libxml2's message and where its parser stood. */
export interface WellFormednessError {
  /** libxml2's text, e.g. `Opening and ending tag mismatch: name line 2 and nam`. */
  message: string;
  /** Offset of libxml2's input pointer when it stopped. */
  at: number;
}

const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;
const PREDEFINED = new Set(['lt', 'gt', 'amp', 'apos', 'quot']);

/** 1-based line of an offset. */
export function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * libvirt's catchXMLError context: the line libxml2 stopped on (stepping back over a line end it
 * stopped at), `(null)` when that line is empty, and a pointer of dashes (tabs kept) to the column.
 */
export function errorContext(text: string, at: number): string {
  let cur = Math.min(at, text.length);
  while (cur > 0 && (text[cur] === '\n' || text[cur] === '\r')) cur--;
  while (cur > 0 && text[cur] !== '\n' && text[cur] !== '\r') cur--;
  if (text[cur] === '\n' || text[cur] === '\r') cur++;
  const column = at - cur;
  let end = cur;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  const line = text.slice(cur, end);
  let pointer = '';
  for (let n = 0; n < column && n < line.length; n++) pointer += line[n] === '\t' ? '\t' : '-';
  return `${line === '' ? '(null)' : line}\n${pointer}^`;
}

/** Scans `text` as libxml2's parser would and returns its first error, or undefined when well-formed. */
export function findWellFormednessError(text: string): WellFormednessError | undefined {
  if (text.length === 0) return { message: 'Document is empty', at: 0 };
  let pos = 0;
  const stack: { name: string; at: number }[] = [];
  const fail = (message: string, at = pos): never => {
    throw { message, at } satisfies WellFormednessError;
  };
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const skipSpace = () => {
    while (isSpace(text[pos])) pos++;
  };
  const readName = (): string => {
    const start = pos;
    if (!NAME_START.test(text[pos] ?? '')) return '';
    while (pos < text.length && NAME_CHAR.test(text[pos]!)) pos++;
    return text.slice(start, pos);
  };
  const reference = () => {
    // at '&'
    pos++;
    if (text[pos] === '#') {
      const end = text.indexOf(';', pos);
      if (end === -1) fail('CharRef: invalid decimal value');
      pos = end + 1;
      return;
    }
    const name = readName();
    if (name === '') fail('xmlParseEntityRef: no name');
    if (text[pos] !== ';') fail(`EntityRef: expecting ';'`);
    pos++;
    if (!PREDEFINED.has(name)) fail(`Entity '${name}' not defined`);
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos + 4);
        if (end === -1) fail('Comment not terminated', text.length);
        pos = end + 3;
      } else if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos + 2);
        if (end === -1) fail('ParsePI: PI xml never end ...', text.length);
        pos = end + 2;
      } else return;
    }
  };
  const startTag = () => {
    // at '<' of a start tag; its line is counted only if an error names it (counting here would be quadratic)
    const at = pos;
    pos++;
    const name = readName();
    if (name === '') fail('StartTag: invalid element name');
    for (;;) {
      const before = pos;
      skipSpace();
      if (text.startsWith('/>', pos)) {
        pos += 2;
        return;
      }
      if (text[pos] === '>') {
        pos++;
        stack.push({ name, at });
        return;
      }
      if (pos >= text.length) fail(`Couldn't find end of Start Tag ${name} line ${lineAt(text, at)}`);
      if (pos === before) fail('attributes construct error');
      const attribute = readName();
      if (attribute === '') fail('attributes construct error');
      skipSpace();
      if (text[pos] !== '=') fail(`Specification mandates value for attribute ${attribute}`);
      pos++;
      skipSpace();
      const quote = text[pos];
      if (quote !== '"' && quote !== "'") fail(`AttValue: " or ' expected`);
      pos++;
      while (text[pos] !== quote) {
        if (pos >= text.length) fail(`AttValue: ' expected`);
        if (text[pos] === '<') fail("Unescaped '<' not allowed in attributes values");
        if (text[pos] === '&') reference();
        else pos++;
      }
      pos++;
    }
  };

  try {
    skipMisc();
    if (text.startsWith('<!DOCTYPE', pos)) return undefined; // refused by the caller in its own words
    if (text[pos] !== '<' || !NAME_START.test(text[pos + 1] ?? '')) fail("Start tag expected, '<' not found");
    startTag();
    while (stack.length > 0) {
      if (pos >= text.length) {
        const open = stack[stack.length - 1]!;
        fail(`Premature end of data in tag ${open.name} line ${lineAt(text, open.at)}`, text.length);
      }
      const c = text[pos];
      if (c === '&') {
        reference();
      } else if (c !== '<') {
        pos++;
      } else if (text.startsWith('</', pos)) {
        pos += 2;
        const name = readName();
        skipSpace();
        if (text[pos] !== '>') fail("expected '>'");
        pos++;
        const open = stack.pop()!;
        if (name !== open.name) fail(`Opening and ending tag mismatch: ${open.name} line ${lineAt(text, open.at)} and ${name}`);
      } else if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos + 4);
        if (end === -1) fail('Comment not terminated', text.length);
        pos = end + 3;
      } else if (text.startsWith('<![CDATA[', pos)) {
        const end = text.indexOf(']]>', pos + 9);
        if (end === -1) fail('CData section not finished', text.length);
        pos = end + 3;
      } else if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos + 2);
        if (end === -1) fail('ParsePI: PI never end ...', text.length);
        pos = end + 2;
      } else {
        startTag();
      }
    }
    skipMisc();
    if (pos < text.length) fail('Extra content at the end of the document');
    return undefined;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'at' in error) return error as WellFormednessError;
    throw error;
  }
}
