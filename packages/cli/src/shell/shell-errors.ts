// The ways a vwsh command fails besides a libvirt error: virsh's own messages (vshError) and syntax errors.

/** A failure virsh reports in its own words (`vshError`), printed as `error: MESSAGE`. */
export class CommandError extends Error {
  /** Lines virsh prints before this one for the same failure (each as `error: LINE`). */
  readonly before: readonly string[];

  constructor(message: string, before: readonly string[] = []) {
    super(message);
    this.name = 'CommandError';
    this.before = before;
  }
}

/** A failure whose messages were already printed; the runner prints nothing more. */
export class ReportedFailure extends Error {
  constructor() {
    super('command failed');
    this.name = 'ReportedFailure';
  }
}

/** A command line that does not parse (virsh's syntaxError path): nothing in the chain runs. */
export class CommandLineError extends Error {
  /** Every line virsh prints for it, without the `error: ` prefix. */
  readonly lines: readonly string[];

  constructor(lines: string | readonly string[]) {
    const all = typeof lines === 'string' ? [lines] : lines;
    super(all.join('\n'));
    this.name = 'CommandLineError';
    this.lines = all;
  }
}
