// One WebSocket client: own framing, envelope checks, permission before params, call budgets, normalised replies.
import { checkMethodPermission, isMethodName, JsonRpcErrorCode, methods, VirError } from '@virtwire/protocol';
import { APP_PING, APP_PONG, type AdaptivePoll } from '@virtwire/runtime';
import type { JSONRPCRequest, JSONRPCResponse } from 'json-rpc-2.0';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { DaemonLimits } from '../daemon-options.js';
import { EventSubscriptions } from '../events/event-subscriptions.js';
import { TokenBucket } from '../transport/token-bucket.js';
import { isThenable, type Answer, type Dispatcher } from './dispatcher.js';
import { checkEnvelope, checkParamsShape, jsonTextTooDeep, type RequestHeader } from './json-envelope.js';
import type { Session } from './session.js';
import { errorResponse, replyText } from './reply-text.js';
import { OutboundQueue, type OutboundKind } from './outbound-queue.js';
import { checkXmlBounds } from './xml-guard.js';

/** WebSocket close codes the daemon uses. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  PolicyViolation: 1008,
  TooBig: 1009,
  TryAgainLater: 1013,
} as const;

/** How long a connection closed for a full outbound queue may take to finish its close handshake. */
const OVERFLOW_CLOSE_GRACE_MS = 2_000;

/** The byte stream under a WebSocket, whose writes can be held back and then sent as one. */
export interface CorkableStream {
  cork(): void;
  uncork(): void;
}

/**
 * Serves one WebSocket. Order for every request: raw depth scan, JSON.parse, envelope (id,
 * jsonrpc, method), call budget, method permission, params shape, XML bounds, then the dispatcher
 * (which checks the permission again, then params schema, flags and driver).
 */
export class ClientConnection {
  private inFlight = 0;
  private readonly backlog: string[] = [];
  private backlogBytes = 0;
  private paused = false;
  /** Set while pump() works through the backlog. */
  private pumping = false;
  private closed = false;
  /** Set while the outbound queue is over half its bound: no new work is read until it drains. */
  private outboundPressure = false;
  private readonly outbound: OutboundQueue;
  private lastActivity = performance.now();
  private readonly budget: TokenBucket;
  private corked = false;
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    readonly session: Session,
    private readonly dispatcher: Dispatcher,
    private readonly limits: DaemonLimits,
    private readonly onClosed: () => void,
    /** The socket under `socket`: replies finished in one turn of the event loop leave in one write. */
    private readonly stream?: CorkableStream,
    /** The daemon's event-loop poller: told of every message in and out. */
    private readonly poll?: AdaptivePoll,
  ) {
    this.budget = new TokenBucket(limits.maxCallsPerSecond, limits.callBurst);
    this.outbound = new OutboundQueue({ send: (text, done) => socket.send(text, done) }, limits.maxOutboundBytes, {
      pause: () => {
        this.outboundPressure = true;
        this.updateReading();
      },
      resume: () => {
        this.outboundPressure = false;
        this.pump();
      },
      overflow: (reason) => this.closeForOverflow(reason),
    });
    session.events = new EventSubscriptions((method, params) => this.notify(method, params));
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => void this.close());
    // ws has already started the close handshake with the right code (1002, 1007, 1008, 1009);
    // terminating here would cut the close frame off. A peer that never completes it is dropped
    // by the heartbeat like any silent client.
    socket.on('error', (error) => this.session.log.info({ reason: error.message }, 'protocol error; closing'));
  }

  /**
   * Called every heartbeat interval: a client that answered neither the previous ping nor sent
   * anything since is dropped (so within two intervals of falling silent), and an idle one closed.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.session.log.info('client missed a heartbeat; dropping it');
      this.socket.terminate();
      return;
    }
    if (this.limits.idleTimeoutMs > 0 && performance.now() - this.lastActivity > this.limits.idleTimeoutMs) {
      this.session.log.info('client idle; closing');
      this.socket.close(CloseCode.Normal, 'idle timeout');
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    const now = performance.now();
    this.poll?.received(now);
    this.alive = true;
    this.lastActivity = now;
    if (isBinary) {
      this.socket.close(CloseCode.UnsupportedData, 'binary frames are not accepted');
      return;
    }
    const text = data.toString('utf8');
    if (text === APP_PING) {
      this.sendText(APP_PONG);
      return;
    }
    if (this.backlog.length > 0 || !this.mayStartCall()) {
      this.queue(text);
      return;
    }
    this.handle(text);
  }

  /**
   * Holds a message until a call finishes. Reading is paused meanwhile, so the backlog only holds
   * what had already arrived with the same socket read; past twice the message bound it is a flood.
   */
  private queue(text: string): void {
    this.backlog.push(text);
    this.backlogBytes += text.length;
    this.updateReading();
    if (this.backlogBytes > 2 * this.limits.maxMessageBytes) {
      this.session.log.warn({ queued: this.backlog.length }, 'too many calls queued; closing');
      this.backlog.length = 0;
      this.backlogBytes = 0;
      this.socket.close(CloseCode.PolicyViolation, 'too many calls queued');
    }
  }

  private handle(text: string): void {
    if (jsonTextTooDeep(text, this.limits.maxJsonDepth)) {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.InvalidRequest, `nesting deeper than ${this.limits.maxJsonDepth}`)));
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.ParseError)));
      return;
    }
    if (Array.isArray(message)) void this.receiveBatch(message);
    else this.receiveOne(message, this.sendReply);
  }

  /** Sends one reply (nothing for a notification's null) within what is left of the outbound bound. */
  private readonly sendReply = (reply: JSONRPCResponse | null): void => {
    if (reply) this.sendText(this.serialise(reply, this.outbound.room));
  };

  private async receiveBatch(batch: unknown[]): Promise<void> {
    if (batch.length === 0) {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.InvalidRequest, 'empty batch')));
      return;
    }
    if (batch.length > this.limits.maxBatchLength) {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.InvalidRequest, `batch longer than ${this.limits.maxBatchLength}`)));
      return;
    }
    // Each reply is serialised as it comes, within what is left of the outbound bound: a batch
    // never builds more than the connection may queue, and a reply past it becomes an error.
    let room = this.outbound.room - 2;
    const parts: Array<string | undefined> = Array.from({ length: batch.length });
    await Promise.all(
      batch.map(async (item, index) => {
        const reply = await new Promise<JSONRPCResponse | null>((resolve) => this.receiveOne(item, resolve));
        if (reply === null) return;
        // Each reply is serialised in a turn of its own, so other connections are served between them.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.closed) return;
        const text = this.serialise(reply, room - 1);
        room -= text.length + 1;
        parts[index] = text;
      }),
    );
    const answered = parts.filter((p): p is string => p !== undefined);
    if (answered.length > 0) this.sendText(`[${answered.join(',')}]`);
  }

  /**
   * Checks and dispatches one request and hands its reply (null for a notification) to `answered`:
   * at once when the call completed synchronously, else when it completes. Then lets the backlog in.
   */
  private receiveOne(item: unknown, answered: (reply: JSONRPCResponse | null) => void): void {
    const check = checkEnvelope(item, this.limits.maxIdLength);
    if (!check.ok) {
      answered(errorResponse(check.id, check.error));
      return;
    }
    const { header } = check;
    if (!this.budget.take()) {
      answered(this.refusal(header, VirError.protocol(JsonRpcErrorCode.RateLimited, `more than ${this.limits.maxCallsPerSecond} calls per second`)));
      return;
    }
    const refused = this.refuseEarly(header);
    if (refused) {
      answered(this.refusal(header, refused));
      return;
    }

    const request: JSONRPCRequest = { jsonrpc: '2.0', method: header.method };
    if (header.params !== undefined) request.params = header.params;
    if ('id' in header) request.id = header.id ?? null;
    this.track();
    let answer: Answer;
    try {
      answer = this.dispatcher.answer(request, this.session);
    } catch (error) {
      answer = this.dispatchFailed(header, error);
    }
    if (!isThenable(answer)) {
      this.finish(answer, answered);
      return;
    }
    answer.then(
      (reply) => this.finish(reply, answered),
      (error: unknown) => this.finish(this.dispatchFailed(header, error), answered),
    );
  }

  /** A call ended: one fewer in flight, its reply handed on, then the backlog may go on. */
  private finish(reply: JSONRPCResponse | null, answered: (reply: JSONRPCResponse | null) => void): void {
    this.inFlight--;
    answered(reply);
    this.pump();
  }

  /** The error reply to a request (none for a notification). */
  private refusal(header: RequestHeader, error: VirError): JSONRPCResponse | null {
    return 'id' in header ? errorResponse(header.id ?? null, error) : null;
  }

  /** A dispatcher failure (a bug, never a refusal): logged with a correlation id, answered -32603. */
  private dispatchFailed(header: RequestHeader, error: unknown): JSONRPCResponse | null {
    const correlationId = randomUUID();
    this.session.log.error({ err: error, correlationId }, 'dispatch failed');
    return this.refusal(header, VirError.protocol(JsonRpcErrorCode.InternalError, undefined, { correlationId }));
  }

  /**
   * The checks that need nothing but the method name and the caller, then the cheap shape checks:
   * a read-only caller is refused a write method before its params are looked at (CVE-2025-12748).
   */
  private refuseEarly(header: RequestHeader): VirError | undefined {
    const definition = isMethodName(header.method) ? methods[header.method] : undefined;
    if (definition) {
      const denied = checkMethodPermission(definition, this.session.readOnly);
      if (denied) return denied;
    }
    const badShape = checkParamsShape(header.params);
    if (badShape) return badShape;
    return definition ? checkXmlBounds(definition, header.params, this.limits) : undefined;
  }

  /**
   * Counts a call in flight. At the bound the socket is paused (a flood then waits in the kernel,
   * not here) and messages that had already arrived wait in the backlog; each finished call lets
   * the next one in, in order ({@link finish}).
   */
  private track(): void {
    this.inFlight++;
    this.updateReading();
  }

  /** A new call may start: fewer than the in-flight bound run, and the outbound queue is not backed up. */
  private mayStartCall(): boolean {
    return this.inFlight < this.limits.maxInFlightPerConnection && !this.outboundPressure;
  }

  /** Handles what waits in the backlog, in order, while calls may start; then reads again if nothing waits. */
  private pump(): void {
    // A call that completes at once pumps again from inside handle(): the outer loop goes on instead
    // (otherwise every queued message would add a stack frame).
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.backlog.length > 0 && this.mayStartCall()) {
        const next = this.backlog.shift()!;
        this.backlogBytes -= next.length;
        this.handle(next);
      }
    } finally {
      this.pumping = false;
    }
    this.updateReading();
  }

  private updateReading(): void {
    const full = !this.mayStartCall() || this.backlog.length > 0;
    if (full && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** The text of a reply within `room` characters (see {@link replyText}); a reply that cannot be serialised is logged. */
  private serialise(reply: JSONRPCResponse, room: number): string {
    return replyText(reply, room, (error, correlationId) => this.session.log.error({ err: error, correlationId }, 'reply could not be serialised'));
  }

  private send(reply: JSONRPCResponse): void {
    this.sendText(this.serialise(reply, this.outbound.room));
  }

  private sendText(text: string, kind: OutboundKind = 'reply'): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.holdWritesUntilTickEnds();
    if (this.outbound.push(text, kind)) this.poll?.sent();
  }

  /**
   * Sends a JSON-RPC notification (an event) through the same bounded queue as replies; a
   * subscriber whose queue overflows is disconnected (close 1008 `subscriber too slow: ...`).
   */
  notify(method: string, params: unknown): void {
    this.sendText(JSON.stringify({ jsonrpc: '2.0', method, params }), 'notification');
  }

  /**
   * The outbound queue passed its bound: what it held is already discarded; stop reading, send
   * the close frame behind what the socket already has, and cut the connection if the client
   * does not finish the close handshake soon (one that does not read never will).
   */
  private closeForOverflow(reason: string): void {
    this.session.log.warn({ limit: this.limits.maxOutboundBytes }, 'outbound queue over its bound; closing');
    this.outboundPressure = true;
    this.updateReading();
    this.backlog.length = 0;
    this.backlogBytes = 0;
    this.socket.close(CloseCode.PolicyViolation, reason);
    setTimeout(() => this.socket.terminate(), OVERFLOW_CLOSE_GRACE_MS).unref();
  }

  /** Ends a connection whose credentials were withdrawn (close 1008 with `reason`). */
  revoke(reason: string): void {
    this.session.log.info({ reason }, 'credentials withdrawn; closing');
    this.socket.close(CloseCode.PolicyViolation, reason);
  }

  /** Drops the client at once (daemon shutdown). */
  async terminate(): Promise<void> {
    this.socket.terminate();
    await this.close();
  }

  /** Corks the stream until the current tick's replies are queued, so that one syscall carries them all. */
  private holdWritesUntilTickEnds(): void {
    const stream = this.stream;
    if (stream === undefined || this.corked) return;
    this.corked = true;
    stream.cork();
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  /** Closes the driver connection once the socket is gone. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.closed = true;
    this.session.events?.close();
    this.outbound.discard();
    this.backlog.length = 0;
    this.backlogBytes = 0;
    const driver = this.session.driver;
    this.session.driver = null;
    try {
      await driver?.close();
    } catch (error) {
      this.session.log.warn({ err: error }, 'closing the driver connection failed');
    }
    this.onClosed();
  }
}
