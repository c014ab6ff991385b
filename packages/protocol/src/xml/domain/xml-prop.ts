// libvirt's virXMLProp{UInt,Int,ULongLong} for the model: a numeric attribute read as C's strtoul/strtol would, with libvirt's error words.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import type { XmlElement } from '../xml-tree.js';

/** A number base as C's strtoul takes it: 0 reads `0x` as hex and a leading `0` as octal. */
export type CBase = 0 | 8 | 10 | 16;

const DIGITS: Readonly<Record<number, RegExp>> = { 8: /^[0-7]+/, 10: /^\d+/, 16: /^[0-9a-f]+/i };

/**
 * C's strtoul on the whole string (leading blanks and a sign allowed, nothing after the digits), as
 * BigInt, or undefined where libvirt's virStrToLong_* refuses it. `negative` tells a `-` was read.
 */
export function cStrToInteger(text: string, base: CBase): { value: bigint; negative: boolean } | undefined {
  let s = text.replace(/^[ \t\n\v\f\r]+/, '');
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  let radix: number = base;
  if ((base === 0 || base === 16) && /^0x[0-9a-f]/i.test(s)) {
    s = s.slice(2);
    radix = 16;
  } else if (base === 0) {
    radix = s.startsWith('0') ? 8 : 10;
  }
  const digits = DIGITS[radix]!.exec(s)?.[0];
  if (digits === undefined || digits.length !== s.length) return undefined;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '';
  return { value: BigInt(prefix + digits), negative };
}

const UINT_MAX = 0xffffffffn;
const ULLONG_MAX = 0xffffffffffffffffn;

function invalid(el: XmlElement, name: string, value: string, expected: string): VirError {
  return VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value for attribute '${name}' in element '${el.name}': '${value}'. ${expected}`);
}

function missing(el: XmlElement, name: string): VirError {
  return VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Missing required attribute '${name}' in element '${el.name}'`);
}

/** virXMLPropUInt: an unsigned int attribute (undefined when absent and not `required`). */
export function propUInt(el: XmlElement, name: string, base: CBase, required = false): number | undefined {
  const value = el.attributes.get(name);
  if (value === undefined) {
    if (required) throw missing(el, name);
    return undefined;
  }
  const n = cStrToInteger(value, base);
  if (!n || n.negative || n.value > UINT_MAX) throw invalid(el, name, value, 'Expected non-negative integer value');
  return Number(n.value);
}

/** virXMLPropULongLong: an unsigned long long attribute, as BigInt. */
export function propULongLong(el: XmlElement, name: string, base: CBase, required = false): bigint | undefined {
  const value = el.attributes.get(name);
  if (value === undefined) {
    if (required) throw missing(el, name);
    return undefined;
  }
  const n = cStrToInteger(value, base);
  if (!n || n.negative || n.value > ULLONG_MAX) throw invalid(el, name, value, 'Expected non-negative integer value');
  return n.value;
}

/** virXMLPropInt: an int attribute (undefined when absent). */
export function propInt(el: XmlElement, name: string, base: CBase): number | undefined {
  const value = el.attributes.get(name);
  if (value === undefined) return undefined;
  const n = cStrToInteger(value, base);
  const signed = n && (n.negative ? -n.value : n.value);
  if (signed === undefined || signed > 0x7fffffffn || signed < -0x80000000n) throw invalid(el, name, value, 'Expected integer value');
  return Number(signed);
}

/** virXMLPropInt with VIR_XML_PROP_NONNEGATIVE: an int attribute that may not be negative. */
export function propNonNegativeInt(el: XmlElement, name: string, base: CBase): number | undefined {
  const value = el.attributes.get(name);
  if (value === undefined) return undefined;
  const n = cStrToInteger(value, base);
  const signed = n && (n.negative ? -n.value : n.value);
  if (signed === undefined || signed > 0x7fffffffn || signed < -0x80000000n) throw invalid(el, name, value, 'Expected integer value');
  if (signed < 0n) throw invalid(el, name, value, 'Expected non-negative value');
  return Number(signed);
}
