// vwsh's output as virsh's: vshPrint to stdout, vshPrintExtra to stdout unless quiet, vshError to stderr.

/** Anything with a `write(text)` method: process streams, or collectors in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/** The three ways virsh prints. */
export class ShellOutput {
  constructor(
    private readonly stdout: TextSink,
    private readonly stderr: TextSink,
    /** `-q`: informational messages and table headers are not printed. */
    readonly quiet: boolean,
  ) {}

  /** `vshPrint`: results, always printed. */
  print(text: string): void {
    if (text !== '') this.stdout.write(text);
  }

  /** `vshPrintExtra`: informational text, suppressed by `-q`. */
  printExtra(text: string): void {
    if (!this.quiet && text !== '') this.stdout.write(text);
  }

  /** `vshError`: `error: MESSAGE` on stderr, never suppressed. */
  error(message: string): void {
    this.stderr.write(`error: ${message}\n`);
  }
}
