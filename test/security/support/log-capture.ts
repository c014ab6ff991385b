// Collects a daemon's log lines in memory, so tests can search them (for correlation ids, and for leaked secrets).

/** A pino destination that keeps every line. */
export interface LogCapture {
  readonly stream: { write(line: string): void };
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

export function captureLog(): LogCapture {
  const lines: string[] = [];
  return {
    stream: { write: (line: string) => void lines.push(line) },
    text: () => lines.join(''),
    lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
