// libvirt's CPU and node sets (virBitmapParse/virBitmapFormat): `0-3,^2,5` read into a sorted set and written back in libvirt's shortest form.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';

/** VIR_DOMAIN_CPUMASK_LEN: the size of a domain's CPU and node masks. */
export const CPUMASK_LEN = 16384;

/**
 * virBitmapParse with a limit of `size` bits: numbers, ranges `N-M` and exclusions `^N`, separated
 * by commas (blanks allowed around them); VIR_ERR_INVALID_ARG "Failed to parse bitmap" otherwise.
 */
export function parseBitmap(text: string, size = CPUMASK_LEN): number[] {
  const fail = () => VirError.report(ErrorNumber.InvalidArg, ErrorDomain.None, `Failed to parse bitmap '${text}'`);
  const set = new Set<number>();
  const parts = text.trim() === '' ? [] : text.split(',');
  if (parts.length === 0) throw fail();
  for (const raw of parts) {
    const part = raw.trim();
    const m = /^(\^)?(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m || (m[1] && m[3] !== undefined)) throw fail();
    const start = Number(m[2]);
    const last = m[3] === undefined ? start : Number(m[3]);
    if (start > 0x7fffffff || last > 0x7fffffff || last < start || last >= size) throw fail();
    for (let i = start; i <= last; i++) {
      if (m[1]) set.delete(i);
      else set.add(i);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/** virBitmapFormat: runs of consecutive numbers as `N-M`, separated by commas. */
export function formatBitmap(bits: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < bits.length;) {
    let j = i;
    while (j + 1 < bits.length && bits[j + 1] === bits[j]! + 1) j++;
    out.push(j === i ? String(bits[i]) : `${bits[i]}-${bits[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
