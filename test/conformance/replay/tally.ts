// Counts replay outcomes per corpus (identical, documented superset, documented difference, undocumented) and prints them.
import type { Deviation } from './corpus.js';

/** How one case compared. */
export type Verdict = 'identical' | 'superset' | 'differs' | 'undocumented' | 'stale';

/** Classifies a case: identical, or its documented deviation, or undocumented (a failure), or a deviation listed for an identical case (stale, also a failure). */
export function verdict(identical: boolean, deviation: Deviation | undefined): Verdict {
  if (identical) return deviation ? 'stale' : 'identical';
  return deviation ? deviation.kind : 'undocumented';
}

/** Collects verdicts and prints `identical / superset / differs / undocumented` with the percentage. */
export class Tally {
  private readonly counts = new Map<Verdict, number>();

  constructor(private readonly name: string) {}

  add(v: Verdict): void {
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
  }

  summary(): string {
    const n = (v: Verdict) => this.counts.get(v) ?? 0;
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    const good = n('identical') + n('superset');
    return `${this.name}: ${total} cases, ${n('identical')} identical, ${n('superset')} documented superset, ${n('differs')} documented difference, ${n('undocumented')} undocumented, ${n('stale')} stale deviation entries; identical or superset ${((100 * good) / Math.max(total, 1)).toFixed(1)}%`;
  }
}
