// The test guest's shell console over any byte stream (a serial socket, a DomainOpenConsole stream): banner, commands, output.
import { GUEST_BANNER_PREFIX } from './guest-image.js';

/** A duplex byte stream to a guest console: a socket, or an SDK stream adapted to this shape. */
export interface ConsoleStream {
  write(data: string): void;
  /** Registers the receiver of every chunk the guest prints. */
  onData(listener: (chunk: Uint8Array) => void): void;
}

/** The fields of the ready banner (`virtwire-guest ready: kernel=... firmware=... ip=... disks=... agent=... consoles=... uptime=...`). */
export interface GuestBanner {
  line: string;
  kernel: string;
  firmware: 'bios' | 'efi';
  /** eth0's DHCP address (10.0.2.15 under QEMU user networking), or null without a network. */
  ip: string | null;
  /** The virtio disks mounted as ext4 on /mnt/<name>. */
  disks: string[];
  /** True when qemu-ga runs on org.qemu.guest_agent.0. */
  agent: boolean;
  /** The consoles with a shell, e.g. ttyS0, hvc0. */
  consoles: string[];
  /** Seconds from the kernel's start to the banner, as the guest counts them. */
  uptime: number;
}

/** What a command printed and its exit status. */
export interface CommandResult {
  output: string;
  status: number;
}

/** Parses a banner line; throws if it is not one. */
export function parseBanner(line: string): GuestBanner {
  const start = line.indexOf(GUEST_BANNER_PREFIX);
  if (start < 0) throw new Error(`not a guest banner: ${line}`);
  const fields = new Map(
    line
      .slice(start + GUEST_BANNER_PREFIX.length)
      .trim()
      .split(/\s+/)
      .map((field) => field.split('=', 2) as [string, string]),
  );
  const list = (value: string | undefined) => (value === undefined || value === 'none' ? [] : value.split(','));
  return {
    line: line.slice(start).trim(),
    kernel: fields.get('kernel') ?? '',
    firmware: fields.get('firmware') === 'efi' ? 'efi' : 'bios',
    ip: fields.get('ip') === 'none' ? null : (fields.get('ip') ?? null),
    disks: list(fields.get('disks')),
    agent: fields.get('agent') === 'yes',
    consoles: list(fields.get('consoles')),
    uptime: Number(fields.get('uptime') ?? NaN),
  };
}

/** Longest command run() accepts: busybox's line editor and the tty both cut longer lines. */
export const MAX_COMMAND_BYTES = 900;
const MAX_LOG_CHARS = 4 * 1024 * 1024;

interface Waiter {
  pattern: RegExp;
  from: number;
  resolve: (match: RegExpExecArray) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A shell session on the guest's console. Everything the guest printed is kept (`log`, capped);
 * run() sends one command and returns its output and status, found between two marker lines that
 * the echoed command itself cannot contain. Commands run one at a time.
 */
export class GuestConsole {
  private text = '';
  private dropped = 0;
  private readonly waiters = new Set<Waiter>();
  private sequence = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closedReason: Error | undefined;
  private readonly decoder = new TextDecoder();

  constructor(private readonly stream: ConsoleStream) {
    stream.onData((chunk) => this.receive(this.decoder.decode(chunk, { stream: true })));
  }

  /** Everything the guest printed so far (carriage returns removed; the oldest part dropped past 4 MiB). */
  get log(): string {
    return this.text;
  }

  /** Fails every pending and later wait: the console is gone (e.g. QEMU exited). */
  close(reason: Error): void {
    this.closedReason ??= reason;
    for (const waiter of this.waiters) this.settle(waiter, reason);
  }

  /** Waits for the ready banner printed since `from` (a position in the log, default the start). */
  async waitForBanner(timeoutMs: number, from = 0): Promise<GuestBanner> {
    const match = await this.waitFor(new RegExp(`${GUEST_BANNER_PREFIX}[^\\n]*\\n`), timeoutMs, from);
    return parseBanner(match[0]);
  }

  /** Waits until the log matches `pattern` at or after position `from`; resolves with the match. */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    const flags = pattern.flags.replace('g', '');
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pattern: new RegExp(pattern.source, flags),
        from,
        resolve,
        reject,
        timer: setTimeout(
          () => this.settle(waiter, new Error(`guest console: no ${pattern} within ${timeoutMs} ms; last output:\n${this.text.slice(-2000)}`)),
          timeoutMs,
        ),
      };
      this.waiters.add(waiter);
      if (this.closedReason) this.settle(waiter, this.closedReason);
      else this.check(waiter);
    });
  }

  /** Position of the log's end, to wait for output that comes after it. */
  get position(): number {
    return this.dropped + this.text.length;
  }

  /** Sends raw text (no newline added). */
  write(text: string): void {
    this.stream.write(text);
  }

  /** Runs one shell command line and resolves with its output (exact, `\r` removed) and exit status. */
  run(command: string, timeoutMs = 60_000): Promise<CommandResult> {
    if (Buffer.byteLength(command) > MAX_COMMAND_BYTES) return Promise.reject(new Error(`guest command longer than ${MAX_COMMAND_BYTES} bytes`));
    if (/[\n\r]/.test(command)) return Promise.reject(new Error('guest command must be a single line'));
    const turn = this.queue.then(() => this.runNow(command, timeoutMs));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Runs a command that must succeed and returns its output; throws with the output otherwise. */
  async sh(command: string, timeoutMs?: number): Promise<string> {
    const result = await this.run(command, timeoutMs);
    if (result.status !== 0) throw new Error(`guest command failed with status ${result.status}: ${command}\n${result.output}`);
    return result.output;
  }

  private async runNow(command: string, timeoutMs: number): Promise<CommandResult> {
    const id = `${process.pid}-${++this.sequence}`;
    // One line, so no prompt lands inside the output; eval takes any command (a trailing &, a comment).
    // printf joins its arguments: the markers appear in the output, never in the echoed command line.
    const begin = `@@vw-begin-${id}@@`;
    const end = `@@vw-end-${id}`;
    const from = this.position;
    const quoted = `'${command.replace(/'/g, `'\\''`)}'`;
    this.write(`printf '\\n%s%s\\n' @@vw-begin- '${id}@@'; eval ${quoted}; printf '\\n%s%s %d@@\\n' @@vw-end- '${id}' $?\n`);
    const match = await this.waitFor(new RegExp(`${escape(begin)}\\n([\\s\\S]*?)\\n${escape(end)} (\\d+)@@\\n`), timeoutMs, from);
    return { output: match[1]!, status: Number(match[2]) };
  }

  private receive(chunk: string): void {
    this.text += chunk.replace(/\r/g, '');
    if (this.text.length > MAX_LOG_CHARS) {
      const cut = this.text.length - MAX_LOG_CHARS / 2;
      this.text = this.text.slice(cut);
      this.dropped += cut;
    }
    for (const waiter of this.waiters) this.check(waiter);
  }

  private check(waiter: Waiter): void {
    const start = Math.max(0, waiter.from - this.dropped);
    waiter.pattern.lastIndex = 0;
    const match = waiter.pattern.exec(this.text.slice(start));
    if (match) {
      this.waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(match);
    }
  }

  private settle(waiter: Waiter, error: Error): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
