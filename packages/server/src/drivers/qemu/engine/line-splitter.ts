// Splits a byte stream into newline-terminated text lines, refusing any line longer than a hard cap.

/** Thrown by LineSplitter.push when a line grows beyond the cap; the stream must be abandoned. */
export class LineTooLongError extends Error {
  constructor(readonly maxLineBytes: number) {
    super(`line longer than ${maxLineBytes} bytes`);
  }
}

/**
 * Reassembles lines across arbitrary chunk boundaries. Bytes are kept as Buffers until a line is
 * complete, so multi-byte UTF-8 characters split between chunks decode correctly. A trailing `\r`
 * is removed and empty lines are dropped.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Feeds one chunk and returns the lines it completed. Throws LineTooLongError past the cap. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const line = this.takeLine(chunk.subarray(start, newline));
      if (line.length > 0) lines.push(line);
      start = newline + 1;
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  /** Bytes buffered for the line in progress. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private takeLine(tail: Buffer): string {
    this.checkCap(this.pendingBytes + tail.length);
    const bytes = this.pendingBytes === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    const text = bytes.toString('utf8');
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private keep(rest: Buffer): void {
    if (rest.length === 0) return;
    this.checkCap(this.pendingBytes + rest.length);
    this.pending.push(rest);
    this.pendingBytes += rest.length;
  }

  private checkCap(bytes: number): void {
    if (bytes > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
  }
}
