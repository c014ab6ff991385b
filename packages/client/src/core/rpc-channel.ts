// A JSON-RPC 2.0 client over one WebSocket: ids, pending calls, typed errors, and failure of all pending calls on close.
import { ErrorDomain, ErrorNumber, JsonRpcErrorCode, VirError, type JsonRpcErrorObject } from '@virtwire/protocol';
import { createJSONRPCErrorResponse, JSONRPCClient, type JSONRPCResponse } from 'json-rpc-2.0';

/** json-rpc-2.0 answers calls it gave up on (rejectAllPendingRequests) with code 0, which no daemon sends. */
const PENDING_REJECTED_CODE = 0;
/** Client-local code for a call the caller stopped waiting for. */
const TIMEOUT_CODE = -32099;
import { CallTimeoutError, ConnectionClosedError } from './errors.js';
import type { ReplyPolling } from './reply-polling.js';
import { OPEN, type WebSocketLike } from './web-socket-like.js';

/** Sends calls on an open WebSocket and routes replies back to their callers. */
export class RpcChannel {
  private readonly client: JSONRPCClient;
  private closedError: ConnectionClosedError | null = null;
  private readonly closeListeners = new Set<(error: ConnectionClosedError) => void>();
  private nextId = 1;
  /** Number of requests written to the socket (for tests and diagnostics). */
  sent = 0;

  constructor(
    private readonly socket: WebSocketLike,
    private readonly polling?: ReplyPolling,
  ) {
    this.client = new JSONRPCClient(
      (request) => {
        if (this.closedError) throw this.closedError;
        this.sent++;
        this.socket.send(JSON.stringify(request));
        this.polling?.requestSent();
      },
      () => this.nextId++,
    );
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.markClosed(event.reason || `code ${event.code}`);
    socket.onerror = () => this.markClosed('socket error');
  }

  /** Opens a channel once `socket` is open; rejects if it closes first. */
  static open(socket: WebSocketLike, polling?: ReplyPolling): Promise<RpcChannel> {
    return new Promise((resolve, reject) => {
      socket.onopen = () => resolve(new RpcChannel(socket, polling));
      socket.onerror = (event) => reject(handshakeError(describeSocketError(event)));
      socket.onclose = (event) => reject(new ConnectionClosedError(event.reason || `code ${event.code}`));
    });
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Calls `method`; resolves to its result or rejects with a VirError (libvirt's error, or a client error). */
  async call(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    if (this.closedError) throw this.closedError;
    const requester =
      timeoutMs === undefined ? this.client : this.client.timeout(timeoutMs, (id) => createJSONRPCErrorResponse(id, TIMEOUT_CODE, 'timeout'));
    let response: JSONRPCResponse;
    this.polling?.callStarted();
    try {
      response = await requester.requestAdvanced({ jsonrpc: '2.0', id: this.nextId++, method, params });
    } catch (error) {
      if (VirError.is(error)) throw error;
      throw this.closedError ?? new ConnectionClosedError(error instanceof Error ? error.message : String(error));
    } finally {
      this.polling?.callEnded();
    }
    if ('error' in response && response.error) {
      if (response.error.code === PENDING_REJECTED_CODE) throw this.closedError ?? new ConnectionClosedError(response.error.message);
      if (response.error.code === TIMEOUT_CODE) throw new CallTimeoutError(method, timeoutMs ?? 0);
      throw toClientError(response.error);
    }
    return (response as { result?: unknown }).result ?? null;
  }

  /** Calls `listener` once when the connection is lost or closed. */
  onClose(listener: (error: ConnectionClosedError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.markClosed('closed by the client');
    if (this.socket.readyState === OPEN) this.socket.close(1000, 'bye');
  }

  private receive(data: unknown): void {
    this.polling?.messageReceived();
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    for (const item of Array.isArray(message) ? message : [message]) {
      if (typeof item === 'object' && item !== null && 'id' in item && ('result' in item || 'error' in item)) {
        this.client.receive(item as JSONRPCResponse);
      }
    }
  }

  private markClosed(reason: string): void {
    if (this.closedError) return;
    this.closedError = new ConnectionClosedError(reason);
    this.client.rejectAllPendingRequests(this.closedError.message);
    for (const listener of this.closeListeners) listener(this.closedError);
  }
}

/** Maps a JSON-RPC error to a VirError; "method not found" reads as libvirt's "not supported" (unknown procedure). */
export function toClientError(error: JsonRpcErrorObject): VirError {
  if (error.code === JsonRpcErrorCode.MethodNotFound) {
    return VirError.report(ErrorNumber.NoSupport, ErrorDomain.Remote, String(error.message));
  }
  return VirError.fromJsonRpc(error);
}

/**
 * Turns a refused WebSocket upgrade into libvirt's error for it where the status is known (Node's ws
 * reports it; browsers hide it): 401 is VIR_ERR_AUTH_FAILED, 403 VIR_ERR_OPERATION_DENIED.
 */
function handshakeError(description: string): VirError {
  const status = /Unexpected server response: (\d{3})/.exec(description)?.[1];
  if (status === '401') {
    return VirError.report(ErrorNumber.AuthFailed, ErrorDomain.Rpc, 'the daemon did not accept the token (missing, unknown or revoked)');
  }
  if (status === '403') return VirError.report(ErrorNumber.OperationDenied, ErrorDomain.Rpc, 'the daemon refused this origin');
  return new ConnectionClosedError(description);
}

function describeSocketError(event: unknown): string {
  const message = (event as { message?: unknown; error?: { message?: unknown } } | null)?.error?.message ?? (event as { message?: unknown })?.message;
  return typeof message === 'string' ? message : 'unable to connect';
}
