// Named instants of one operation, for its debug log line (how long the guest's I/O was held, for instance).

/** Named instants of one operation; `between` gives the milliseconds from one to another. */
export class StepTiming {
  private readonly marks = new Map<string, number>();
  mark(name: string): void {
    this.marks.set(name, performance.now());
  }
  between(from: string, to: string): number | undefined {
    const a = this.marks.get(from);
    const b = this.marks.get(to);
    return a === undefined || b === undefined ? undefined : b - a;
  }
}
