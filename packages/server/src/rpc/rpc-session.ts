// One WebSocket client: own framing, envelope checks, bounded batches and in-flight calls, normalised replies.
import { JsonRpcErrorCode, VirError } from '@virtwire/protocol';
import { createJSONRPCErrorResponse, type JSONRPCResponse } from 'json-rpc-2.0';
import type { WebSocket } from 'ws';
import type { DaemonLimits } from '../daemon-options.js';
import type { Dispatcher } from './dispatcher.js';
import { checkEnvelope, jsonDepth } from './json-envelope.js';
import type { Session } from './session.js';

/** WebSocket close codes the daemon uses. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  PolicyViolation: 1008,
  TooBig: 1009,
  TryAgainLater: 1013,
} as const;

const errorResponse = (id: string | number | null, error: VirError): JSONRPCResponse => {
  const wire = error.toJsonRpc();
  return createJSONRPCErrorResponse(id, wire.code, wire.message, wire.data);
};

/** The byte stream under a WebSocket, whose writes can be held back and then sent as one. */
export interface CorkableStream {
  cork(): void;
  uncork(): void;
}

/** Serves one WebSocket: reads frames, dispatches calls, writes replies, and cleans up on close. */
export class RpcSession {
  private inFlight = 0;
  private paused = false;
  private closed = false;
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
  ) {
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => void this.close());
    socket.on('error', () => socket.terminate());
  }

  /** Sends a ping; a client that did not answer the previous one is dropped. */
  heartbeat(): void {
    if (!this.alive) {
      this.session.log.info('client missed a heartbeat; dropping it');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.alive = true;
    if (isBinary) {
      this.socket.close(CloseCode.UnsupportedData, 'binary frames are not accepted');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.ParseError)));
      return;
    }
    if (jsonDepth(message, this.limits.maxJsonDepth) > this.limits.maxJsonDepth) {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.InvalidRequest, `nesting deeper than ${this.limits.maxJsonDepth}`)));
      return;
    }
    if (Array.isArray(message)) void this.receiveBatch(message);
    else void this.receiveOne(message).then((reply) => reply && this.send(reply));
  }

  private async receiveBatch(batch: unknown[]): Promise<void> {
    if (batch.length === 0) {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.InvalidRequest, 'empty batch')));
      return;
    }
    if (batch.length > this.limits.maxBatchLength) {
      this.send(errorResponse(null, VirError.protocol(JsonRpcErrorCode.InvalidRequest, `batch longer than ${this.limits.maxBatchLength}`)));
      return;
    }
    const replies = await Promise.all(batch.map((item) => this.receiveOne(item)));
    const answered = replies.filter((r): r is JSONRPCResponse => r !== null);
    if (answered.length > 0) this.send(answered);
  }

  /** Checks and dispatches one request; resolves to its reply, or null for a notification. */
  private async receiveOne(item: unknown): Promise<JSONRPCResponse | null> {
    const check = checkEnvelope(item, this.limits.maxIdLength);
    if (!check.ok) return errorResponse(check.id, check.error);
    this.track(+1);
    try {
      return await this.dispatcher.receive(check.request, this.session);
    } catch (error) {
      this.session.log.error({ err: error }, 'dispatch failed');
      if (!('id' in check.request)) return null;
      return errorResponse(check.request.id ?? null, VirError.protocol(JsonRpcErrorCode.InternalError));
    } finally {
      this.track(-1);
    }
  }

  /** Counts calls in flight; past the bound the socket is paused, so a flood queues in the kernel, not here. */
  private track(delta: number): void {
    this.inFlight += delta;
    if (!this.paused && this.inFlight >= this.limits.maxInFlightPerConnection) {
      this.paused = true;
      this.socket.pause();
    } else if (this.paused && this.inFlight < this.limits.maxInFlightPerConnection) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Writes a reply; a client whose unread replies pass the bound is disconnected. */
  private send(reply: JSONRPCResponse | JSONRPCResponse[]): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.limits.maxOutboundBytes) {
      this.session.log.warn({ buffered: this.socket.bufferedAmount }, 'client is not reading; dropping it');
      this.socket.terminate();
      return;
    }
    this.holdWritesUntilTickEnds();
    this.socket.send(JSON.stringify(reply));
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
