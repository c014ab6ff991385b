// A domain's `<clock>` attributes as libvirt 9.0 reads (virDomainDefClockParse) and writes them (virDomainClockDefFormat).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import type { XmlElement } from '../xml-tree.js';
import { cStrToInteger } from './xml-prop.js';

const LLONG_MIN = -(2n ** 63n);
const LLONG_MAX = 2n ** 63n - 1n;
const ULLONG_MAX = 2n ** 64n - 1n;

/** virDomainClockOffset and virDomainClockBasis. */
const OFFSETS: ReadonlySet<string> = new Set(['utc', 'localtime', 'variable', 'timezone', 'absolute']);
const BASES: ReadonlySet<string> = new Set(['utc', 'localtime']);

/** virStrToLong_ll in base 10 on the whole string, or undefined. */
function longLong(text: string): bigint | undefined {
  const n = cStrToInteger(text, 10);
  const value = n && (n.negative ? -n.value : n.value);
  return value !== undefined && value >= LLONG_MIN && value <= LLONG_MAX ? value : undefined;
}

/**
 * The clock's attributes as libvirt writes them after reading them: the offset (utc by default; an
 * empty attribute is an absent one, as virXPathString gives), then for utc and localtime an
 * adjustment of `reset`, or a number that makes the clock variable on that basis; for variable the
 * adjustment (0 when not a number) and basis (utc by default); for timezone its name (required);
 * for absolute its start (an unsigned number, required). Anything else is dropped.
 */
export function canonicalClockAttributes(clock: XmlElement): Map<string, string> {
  // A bare <clock/> (as the model writes a definition read without defaults) stays bare; the defaults give it utc.
  if (clock.attributes.size === 0) return new Map();
  const attr = (name: string) => {
    const value = clock.attributes.get(name);
    return value === '' ? undefined : value;
  };
  const offset = attr('offset') ?? 'utc';
  if (!OFFSETS.has(offset)) throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, `unknown clock offset '${offset}'`);
  const out = new Map([['offset', offset]]);
  if (offset === 'utc' || offset === 'localtime') {
    const adjustment = attr('adjustment');
    if (adjustment === 'reset') out.set('adjustment', 'reset');
    else if (adjustment !== undefined) {
      const value = longLong(adjustment);
      if (value === undefined) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `unknown clock adjustment '${adjustment}'`);
      return new Map([
        ['offset', 'variable'],
        ['adjustment', String(value)],
        ['basis', offset],
      ]);
    }
  } else if (offset === 'variable') {
    const basis = attr('basis') ?? 'utc';
    if (!BASES.has(basis)) throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, `unknown clock basis '${basis}'`);
    out.set('adjustment', String(longLong(clock.attributes.get('adjustment') ?? '') ?? 0n));
    out.set('basis', basis);
  } else if (offset === 'timezone') {
    const timezone = attr('timezone');
    if (timezone === undefined) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, "missing 'timezone' attribute for clock with offset='timezone'");
    }
    out.set('timezone', timezone);
  } else {
    const start = cStrToInteger(clock.attributes.get('start') ?? '', 10);
    if (!start || start.negative || start.value > ULLONG_MAX) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, "missing 'start' attribute for clock with offset='absolute'");
    }
    out.set('start', String(start.value));
  }
  return out;
}
