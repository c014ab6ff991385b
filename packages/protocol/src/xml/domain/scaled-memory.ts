// Memory sizes with libvirt's units (virScaleInteger): parsed to KiB, rounded up as virDomainParseMemory does.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';

/** Bytes per unit, by lower-cased suffix (libvirt's virScaleInteger table; 'k' and 'KiB' are 1024, 'KB' 1000). */
const UNIT_BYTES: ReadonlyMap<string, bigint> = new Map(
  (
    [
      ['', 1024n],
      ['b', 1n],
      ['byte', 1n],
      ['bytes', 1n],
    ] as [string, bigint][]
  ).concat(
    ['k', 'm', 'g', 't', 'p', 'e'].flatMap((letter, i): [string, bigint][] => {
      const binary = 1024n ** BigInt(i + 1);
      const decimal = 1000n ** BigInt(i + 1);
      return [
        [letter, binary],
        [`${letter}ib`, binary],
        [`${letter}b`, decimal],
      ];
    }),
  ),
);

/** Largest size libvirt accepts for a memory element: ULLONG_MAX bytes, in KiB. */
const MAX_KIB = (2n ** 64n - 1n) / 1024n;

/**
 * Parses `<memory unit='U'>N</memory>`-style text to KiB, rounding up (libvirt's
 * virDomainParseMemory). `xpath` names the element in "Invalid value" errors, as libvirt's
 * `./memory[1]`. Unknown units are refused with libvirt's "unknown suffix" (VIR_ERR_INVALID_ARG).
 */
export function parseMemoryKiB(text: string, unit: string | undefined, xpath: string): number {
  const value = text.trim();
  if (!/^\d+$/.test(value)) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value '${value}' for element or attribute '${xpath}'`);
  }
  const factor = UNIT_BYTES.get((unit ?? '').toLowerCase());
  if (factor === undefined) throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.None, `unknown suffix '${unit}'`);
  const bytes = BigInt(value) * (unit === undefined ? 1024n : factor);
  const kib = (bytes + 1023n) / 1024n;
  if (kib > MAX_KIB) throw VirError.report(ErrorNumber.Overflow, ErrorDomain.None, `value too large: ${value}${unit ?? ''}`);
  return Number(kib);
}
