// QMP client over a unix socket: bounded connect retry, negotiation, commands with ids and timeouts, events.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError, QmpClosedError, QmpConnectError, QmpError, QmpProtocolError, QmpTimeoutError, asError } from './errors.js';
import { LineSplitter, LineTooLongError } from './line-splitter.js';
import type { QmpEvent, QmpGreeting } from './qmp-types.js';

/** Limits and timeouts of a QMP connection. Every buffer the peer can grow is capped. */
export interface QmpClientOptions {
  /** Total budget for the socket to appear, the greeting and qmp_capabilities. Default 10 s. */
  connectTimeoutMs?: number;
  /** Stops connection retries early, e.g. when the QEMU process exits. */
  signal?: AbortSignal;
  /** Default timeout of execute(). Default 30 s. */
  commandTimeoutMs?: number;
  /** Largest accepted message line (a reply or event). QEMU output is guest-influenced. Default 16 MiB. */
  maxLineBytes?: number;
  /** How many recent events recentEvents() keeps. Default 256. */
  eventHistory?: number;
  /** Cap on event listeners plus event waiters, to catch leaks. Default 256. */
  maxListeners?: number;
  /** Cap on commands awaiting a reply. Default 1024. */
  maxPendingCommands?: number;
}

/** Per-call options of execute(). */
export interface ExecuteOptions {
  timeoutMs?: number;
}

/** A pending wait for an event. Arm it BEFORE executing the command that causes the event. */
export interface EventWaiter {
  readonly promise: Promise<QmpEvent>;
  /** Stops waiting; the promise then never settles. */
  cancel(): void;
}

/** A function notified of every event, in arrival order. It must not throw (exceptions are swallowed). */
export type QmpEventListener = (event: QmpEvent) => void;

type Settings = Required<Omit<QmpClientOptions, 'signal'>>;

interface PendingCall {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface EventWait {
  match: (event: QmpEvent) => boolean;
  resolve: (event: QmpEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULTS: Settings = {
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 30_000,
  maxLineBytes: 16 * 1024 * 1024,
  eventHistory: 256,
  maxListeners: 256,
  maxPendingCommands: 1024,
};

/** Ids of timed-out commands whose late replies are ignored instead of being treated as protocol errors. */
const ABANDONED_ID_MEMORY = 1024;

/**
 * One negotiated QMP connection. QEMU serves one client per monitor socket at a time, so a domain
 * has exactly one QmpClient; commands may be pipelined (QEMU answers in order).
 */
export class QmpClient {
  /** QEMU's greeting, available once connect() resolved. */
  greeting: QmpGreeting | undefined;
  /** Resolves with the reason once the connection is closed, for whatever cause. Never rejects. */
  readonly closed: Promise<Error>;

  private readonly splitter: LineSplitter;
  private readonly pending = new Map<string, PendingCall>();
  private readonly abandonedIds = new Set<string>();
  private readonly listeners = new Set<QmpEventListener>();
  private readonly waits = new Set<EventWait>();
  private readonly history: QmpEvent[] = [];
  private sequence = 0;
  private closeReason: Error | undefined;
  private resolveClosed!: (reason: Error) => void;
  private greetingArrived!: () => void;
  private readonly greetingPromise: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    readonly socketPath: string,
    private readonly settings: Settings,
  ) {
    this.splitter = new LineSplitter(settings.maxLineBytes);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.greetingPromise = new Promise((resolve) => (this.greetingArrived = resolve));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.shutDown(new QmpClosedError(error.message)));
    socket.on('close', () => this.shutDown(new QmpClosedError('socket closed by QEMU')));
  }

  /**
   * Connects to a QMP unix socket, retrying while it does not exist yet or refuses connections,
   * then reads the greeting and negotiates capabilities (without oob). Fails within connectTimeoutMs.
   */
  static async connect(socketPath: string, options: QmpClientOptions = {}): Promise<QmpClient> {
    const settings = resolveSettings(options);
    const deadline = Date.now() + settings.connectTimeoutMs;
    const socket = await connectWithRetry(socketPath, deadline, options.signal);
    const client = new QmpClient(socket, socketPath, settings);
    try {
      await client.negotiate(deadline, options.signal);
      return client;
    } catch (error) {
      client.shutDown(asError(error));
      throw error instanceof EngineError ? error : new QmpConnectError(`QMP negotiation on ${socketPath} failed`, { cause: error });
    }
  }

  /** QEMU's version from the greeting. */
  get qemuVersion(): { major: number; minor: number; micro: number } {
    return this.greeting?.QMP.version.qemu ?? { major: 0, minor: 0, micro: 0 };
  }

  /** True once the connection is closed; every later call rejects. */
  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /**
   * Runs a QMP command and resolves with its `return` value. Rejects with QmpError for a QEMU
   * error reply, QmpTimeoutError after the timeout (the command may still run), or the close reason.
   */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, options: ExecuteOptions = {}): Promise<T> {
    if (this.closeReason) return Promise.reject(this.closeReason);
    if (this.pending.size >= this.settings.maxPendingCommands) {
      return Promise.reject(new EngineError('qmp-busy', `${command}: too many QMP commands in flight`));
    }
    const id = `n${++this.sequence}`;
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.abandon(id, new QmpTimeoutError(command, timeoutMs)), timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      const message = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Registers a listener for every event; returns the function that unregisters it. */
  onEvent(listener: QmpEventListener): () => void {
    this.assertListenerRoom();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Waits for the first event that satisfies `match`. Arm it before sending the command that
   * triggers the event: QEMU often emits the event before the command's reply.
   */
  waitForEvent(match: (event: QmpEvent) => boolean, timeoutMs: number, description = 'event'): EventWaiter {
    let wait: EventWait | undefined;
    const promise = new Promise<QmpEvent>((resolve, reject) => {
      if (this.closeReason) return reject(this.closeReason);
      this.assertListenerRoom();
      const timer = setTimeout(() => {
        this.waits.delete(created);
        reject(new QmpTimeoutError(`waiting for ${description}`, timeoutMs));
      }, timeoutMs);
      const created: EventWait = { match, resolve, reject, timer };
      wait = created;
      this.waits.add(created);
    });
    promise.catch(() => undefined); // a timeout nobody awaits yet must not be an unhandled rejection
    return {
      promise,
      cancel: () => {
        if (!wait) return;
        clearTimeout(wait.timer);
        this.waits.delete(wait);
      },
    };
  }

  /** The most recent events (up to eventHistory), oldest first. */
  recentEvents(): readonly QmpEvent[] {
    return [...this.history];
  }

  /** Closes the connection (QEMU keeps running). Pending commands and waits reject with QmpClosedError. */
  async close(): Promise<void> {
    if (this.closeReason) return;
    this.shutDown(new QmpClosedError('closed by client'));
    await this.closed;
  }

  private async negotiate(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const greetingTimeout = Math.max(deadline - Date.now(), 1);
    await raceWithAbort(
      withTimeout(
        this.greetingPromise,
        greetingTimeout,
        () => new QmpConnectError(`no QMP greeting on ${this.socketPath} within ${greetingTimeout} ms (is another client connected?)`),
      ),
      signal,
    );
    if (this.closeReason) throw this.closeReason;
    await raceWithAbort(this.execute('qmp_capabilities', undefined, { timeoutMs: Math.max(deadline - Date.now(), 1) }), signal);
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (error) {
      const detail = error instanceof LineTooLongError ? `message longer than ${error.maxLineBytes} bytes` : asError(error).message;
      this.shutDown(new QmpProtocolError(detail));
      return;
    }
    for (const line of lines) {
      if (this.closeReason) return;
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.shutDown(new QmpProtocolError(`unparsable message: ${line.slice(0, 200)}`));
      return;
    }
    if (!isRecord(message)) this.shutDown(new QmpProtocolError(`message is not an object: ${line.slice(0, 200)}`));
    else if ('QMP' in message) this.onGreeting(message as unknown as QmpGreeting);
    else if (typeof message.event === 'string') this.onEventMessage(message as unknown as QmpEvent);
    else if ('return' in message || 'error' in message) this.onReply(message);
    else this.shutDown(new QmpProtocolError(`unknown message kind: ${line.slice(0, 200)}`));
  }

  private onGreeting(greeting: QmpGreeting): void {
    if (this.greeting) return this.shutDown(new QmpProtocolError('second greeting'));
    this.greeting = greeting;
    this.greetingArrived();
  }

  private onReply(message: Record<string, unknown>): void {
    const id = message.id;
    if (typeof id !== 'string') {
      this.shutDown(new QmpProtocolError(`reply without our id: ${JSON.stringify(message).slice(0, 200)}`));
      return;
    }
    const call = this.pending.get(id);
    if (!call) {
      if (this.abandonedIds.delete(id)) return; // late reply to a timed-out command
      this.shutDown(new QmpProtocolError(`reply with unknown id ${JSON.stringify(id)}`));
      return;
    }
    this.pending.delete(id);
    clearTimeout(call.timer);
    if ('error' in message) {
      const error = isRecord(message.error) ? message.error : {};
      call.reject(new QmpError(call.command, String(error.class ?? 'GenericError'), String(error.desc ?? 'unknown error')));
    } else {
      call.resolve(message.return);
    }
  }

  private onEventMessage(event: QmpEvent): void {
    this.history.push(event);
    if (this.history.length > this.settings.eventHistory) this.history.shift();
    for (const wait of [...this.waits]) {
      if (!safeMatch(wait.match, event)) continue;
      this.waits.delete(wait);
      clearTimeout(wait.timer);
      wait.resolve(event);
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // listeners must not break the reader loop
      }
    }
  }

  private abandon(id: string, error: Error): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    this.abandonedIds.add(id);
    if (this.abandonedIds.size > ABANDONED_ID_MEMORY) {
      const oldest = this.abandonedIds.values().next().value;
      if (oldest !== undefined) this.abandonedIds.delete(oldest);
    }
    call.reject(error);
  }

  private assertListenerRoom(): void {
    if (this.listeners.size + this.waits.size >= this.settings.maxListeners) {
      throw new EngineError('qmp-too-many-listeners', `more than ${this.settings.maxListeners} QMP event listeners`);
    }
  }

  /** Marks the connection closed with `reason`, rejects everything outstanding and destroys the socket. */
  private shutDown(reason: Error): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(reason);
    }
    this.pending.clear();
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.reject(reason);
    }
    this.waits.clear();
    this.listeners.clear();
    this.greetingArrived();
    this.socket.destroy();
    this.resolveClosed(reason);
  }
}

function resolveSettings(options: QmpClientOptions): Settings {
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    maxLineBytes: options.maxLineBytes ?? DEFAULTS.maxLineBytes,
    eventHistory: options.eventHistory ?? DEFAULTS.eventHistory,
    maxListeners: options.maxListeners ?? DEFAULTS.maxListeners,
    maxPendingCommands: options.maxPendingCommands ?? DEFAULTS.maxPendingCommands,
  };
}

const RETRYABLE_CONNECT_ERRORS = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

/** Connects to `path`, retrying while QEMU has not created or is not yet listening on the socket. */
async function connectWithRetry(path: string, deadline: number, signal: AbortSignal | undefined): Promise<net.Socket> {
  let delayMs = 2;
  for (;;) {
    if (signal?.aborted) throw new QmpConnectError(`connecting to ${path} aborted: ${abortReason(signal)}`);
    try {
      return await connectOnce(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!RETRYABLE_CONNECT_ERRORS.has(code) || Date.now() + delayMs > deadline) {
        throw new QmpConnectError(`cannot connect to QMP socket ${path}: ${asError(error).message}`, { cause: error });
      }
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      delayMs = Math.min(delayMs * 2, 50);
    }
  }
}

function connectOnce(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const onError = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function raceWithAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new QmpConnectError(`aborted: ${abortReason(signal)}`));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new QmpConnectError(`aborted: ${abortReason(signal)}`));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}

function abortReason(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeMatch(match: (event: QmpEvent) => boolean, event: QmpEvent): boolean {
  try {
    return match(event);
  } catch {
    return false;
  }
}
