// A test-side client of qemu-ga over QEMU's unix-socket chardev: guest-sync-delimited handshake, then one command at a time.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** An error reply of the agent (`{"error": {"class", "desc"}}`), or no reply in time (class `Timeout`). */
export class GuestAgentError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`guest agent ${command}: ${errorClass}: ${desc}`);
  }
}

interface Reply {
  return?: unknown;
  error?: { class: string; desc: string };
  id?: unknown;
}

const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * One connection to the agent's virtio-serial port, through QEMU's socket chardev. The agent is
 * not a QMP server: no greeting, and replies of an earlier client may still be in the pipe, so
 * connect() resynchronises with guest-sync-delimited (which prefixes its reply with 0xFF) and
 * every later command carries an id its reply must echo.
 */
export class GuestAgentClient {
  private buffer = Buffer.alloc(0);
  private waiting: ((reply: Reply) => void) | undefined;
  private sequence = Math.floor(Math.random() * 1_000_000);
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  /**
   * Connects to the chardev socket and waits until the agent answers guest-sync-delimited, retrying
   * every second (the guest may still be booting). Throws GuestAgentError class `Timeout` after `timeoutMs`.
   */
  static async connect(socketPath: string, timeoutMs = 30_000): Promise<GuestAgentClient> {
    const deadline = Date.now() + timeoutMs;
    const socket = await connectWithRetry(socketPath, deadline);
    const client = new GuestAgentClient(socket);
    try {
      await client.sync(deadline);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /**
   * Runs one agent command and resolves with its `return` value. Commands without a reply
   * (guest-shutdown) resolve once sent. Rejects with GuestAgentError.
   */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    const turn = this.queue.then(() => this.executeNow<T>(command, args, timeoutMs));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** guest-ping: resolves when the agent answers. */
  async ping(): Promise<void> {
    await this.execute('guest-ping');
  }

  /** guest-fsfreeze-status: `thawed` or `frozen`. */
  fsfreezeStatus(): Promise<'thawed' | 'frozen'> {
    return this.execute('guest-fsfreeze-status');
  }

  /** guest-fsfreeze-freeze: freezes every freezable filesystem, resolves with how many. */
  fsfreezeFreeze(): Promise<number> {
    return this.execute('guest-fsfreeze-freeze');
  }

  /** guest-fsfreeze-thaw: thaws them, resolves with how many. */
  fsfreezeThaw(): Promise<number> {
    return this.execute('guest-fsfreeze-thaw');
  }

  /** guest-shutdown: the guest's /sbin/shutdown unmounts the data disks and powers off (no reply). */
  shutdown(mode: 'powerdown' | 'halt' | 'reboot' = 'powerdown'): Promise<void> {
    return this.execute('guest-shutdown', { mode });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private async sync(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const id = ++this.sequence;
      // 0xFF first: the agent's parser drops any half-received command of an earlier client.
      this.socket.write(Buffer.from([0xff]));
      this.socket.write(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } })}\n`);
      const reply = await this.nextReply(Math.min(1_000, Math.max(1, deadline - Date.now())), (r) => r.return === id);
      if (reply) return;
      if (this.closed) break;
    }
    throw new GuestAgentError('guest-sync-delimited', 'Timeout', 'the guest agent did not answer');
  }

  private async executeNow<T>(command: string, args: Record<string, unknown> | undefined, timeoutMs: number): Promise<T> {
    if (this.closed) throw new GuestAgentError(command, 'Closed', 'the agent connection is closed');
    const id = `vw-${++this.sequence}`;
    this.socket.write(`${JSON.stringify(args === undefined ? { execute: command, id } : { execute: command, arguments: args, id })}\n`);
    if (command === 'guest-shutdown') return undefined as T;
    const reply = await this.nextReply(timeoutMs, (r) => r.id === id);
    if (!reply) throw new GuestAgentError(command, 'Timeout', `no reply within ${timeoutMs} ms`);
    if (reply.error) throw new GuestAgentError(command, reply.error.class, reply.error.desc);
    return reply.return as T;
  }

  /** The next reply accepted by `wanted` (others are stale and dropped), or undefined after the timeout. */
  private nextReply(timeoutMs: number, wanted: (reply: Reply) => boolean): Promise<Reply | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiting = (reply) => {
        if (!wanted(reply)) return;
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(reply);
      };
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (let end = this.buffer.indexOf(0x0a); end !== -1; end = this.buffer.indexOf(0x0a)) {
      // guest-sync-delimited's 0xFF sentinel and anything before it is not part of a reply.
      const line = this.buffer
        .subarray(this.buffer.lastIndexOf(0xff, end) + 1, end)
        .toString('utf8')
        .trim();
      this.buffer = this.buffer.subarray(end + 1);
      if (line === '') continue;
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        continue; // a fragment of a reply to an earlier client
      }
      this.waiting?.(reply);
    }
    if (this.buffer.length > MAX_LINE_BYTES) this.close();
  }
}

async function connectWithRetry(path: string, deadline: number): Promise<net.Socket> {
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(path);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() >= deadline) throw new GuestAgentError('connect', 'Timeout', `cannot connect to ${path}: ${(error as Error).message}`);
      await sleep(50);
    }
  }
}
