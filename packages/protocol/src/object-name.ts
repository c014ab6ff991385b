// The one name policy for domains and snapshots, in every driver: names that are safe as file names and cannot forge what a terminal shows.

/** Longest name, in UTF-8 bytes: a name becomes a file name (`<name>.xml`), and file names stop at 255 bytes. */
export const MAX_NAME_BYTES = 200;

/** C0 and C1 controls, DEL: a newline or carriage return would forge rows in `vwsh list`. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidirectional and invisible formatting characters (U+202E turns `gnp.exe` into `exe.png`), line and paragraph separators, BOM. */
const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
/** Half of a surrogate pair: no character at all. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Noncharacters. */
const NONCHARACTER = /[\ufdd0-\ufdef\ufffe\uffff]/;

/** Bytes of `text` in UTF-8 (a lone surrogate counts 3, as its replacement character would). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const c of text) {
    const code = c.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `name` is not acceptable for a domain or a snapshot, in libvirt's words where libvirt has
 * them (qemu_snapshot.c: "name can't contain '/'", "name can't start with '.'"), or undefined.
 * At least as strict as libvirt, which refuses '/' (and a newline in domain names) but lets the
 * test driver keep names it could never delete or show safely.
 */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "name can't be empty";
  if (utf8Length(name) > MAX_NAME_BYTES) return `name is longer than ${MAX_NAME_BYTES} bytes`;
  if (name.includes('/')) return "name can't contain '/'";
  if (name.startsWith('.')) return "name can't start with '.'";
  const control = CONTROL.exec(name);
  if (control) return `name can't contain control character ${codePoint(control[0])}`;
  const invisible = INVISIBLE.exec(name);
  if (invisible) return `name can't contain formatting character ${codePoint(invisible[0])}`;
  if (LONE_SURROGATE.test(name) || NONCHARACTER.test(name)) return "name can't contain a character that is not a Unicode character";
  if (name.trim() !== name) return "name can't start or end with white space";
  return undefined;
}

/** A name for an error message: printable whatever it holds (controls and invisible characters escaped). */
export function printableName(name: string): string {
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return shown
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufffe\uffff]/g, escape)
    .replace(new RegExp(LONE_SURROGATE.source, 'g'), escape);
}
