// The tests' one raw WebSocket JSON-RPC client: arbitrary frames, headers and subprotocols, no SDK checks, every message and the close recorded.
import { SUBPROTOCOL, VirError, type JsonRpcErrorObject } from '@virtwire/protocol';
import WebSocket, { type ClientOptions } from 'ws';

/** How a connection attempt ended before it opened. */
export type Refusal = { status: number; headers: Record<string, string | string[] | undefined> } | { error: string };

/** An open raw connection. */
export interface RawClient {
  readonly ws: WebSocket;
  /** The subprotocol the daemon selected. */
  readonly protocol: string;
  /** Next message not taken as a call's reply (parsed as JSON when it is JSON), or the close that came instead. */
  next(): Promise<RawEvent>;
  /**
   * Sends a JSON-RPC request and resolves with its reply: the reply with its id, or one with id null
   * (the daemon could not read the request), or the close. Other messages (notifications, replies to
   * text sent by hand) stay for {@link next}. Calls may be in flight together.
   */
  call(method: string, params?: unknown, id?: string | number): Promise<RawEvent>;
  /** Every message received so far, parsed (undefined where not JSON), replies and notifications alike. */
  readonly received: unknown[];
  /** Calls and resolves with the result; rejects with the daemon's error as a VirError. */
  result(method: string, params?: unknown): Promise<unknown>;
  sendText(text: string): void;
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** WebSocket pings received since the socket was created. */
  pings(): number;
  close(): void;
}

/** A reply, a raw text message, or the close of the socket. */
export type RawEvent = { kind: 'message'; text: string; json: unknown } | { kind: 'close'; code: number; reason: string };

/** The URL of a unix socket for `ws`. */
export const unixUrl = (path: string) => `ws+unix://${path}:/`;

/** `Authorization: Bearer $VIRTWIRE_TOKEN` (the test daemons' token) for a TCP address; none for a unix socket. */
export function tokenHeaders(url: string): Record<string, string> {
  const token = process.env.VIRTWIRE_TOKEN;
  return url.startsWith('ws://') && token ? { authorization: `Bearer ${token}` } : {};
}

/** Options of {@link openRaw}. */
export interface RawOptions extends ClientOptions {
  protocols?: string[];
}

/** Opens a connection; rejects with a {@link Refusal} when the daemon refuses the upgrade. */
export function openRaw(url: string, options: RawOptions = {}): Promise<RawClient> {
  const { protocols = [SUBPROTOCOL], ...rest } = options;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false, ...rest });
    let pings = 0;
    ws.on('ping', () => pings++);
    const queue: RawEvent[] = [];
    const waiters: Array<(event: RawEvent) => void> = [];
    const received: unknown[] = [];
    /** Calls awaiting their reply, by id, in the order they were sent. */
    const pending = new Map<string | number, (event: RawEvent) => void>();
    const answer = (id: string | number, event: RawEvent) => {
      const resolveCall = pending.get(id)!;
      pending.delete(id);
      resolveCall(event);
    };
    const push = (event: RawEvent) => {
      if (event.kind === 'message' && typeof event.json === 'object' && event.json !== null && !Array.isArray(event.json) && 'id' in event.json) {
        const id = (event.json as { id: unknown }).id;
        if ((typeof id === 'string' || typeof id === 'number') && pending.has(id)) return answer(id, event);
        if (id === null && pending.size > 0) return answer(pending.keys().next().value!, event);
      }
      if (event.kind === 'close') for (const id of [...pending.keys()]) answer(id, event);
      const waiter = waiters.shift();
      if (waiter) waiter(event);
      else queue.push(event);
    };
    let closeInfo: { code: number; reason: string } | undefined;
    const closed = new Promise<{ code: number; reason: string }>((done) => {
      ws.on('close', (code, reason) => {
        closeInfo = { code, reason: reason.toString() };
        push({ kind: 'close', ...closeInfo });
        done(closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${(data as Buffer).length}>` : (data as Buffer).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      received.push(json);
      push({ kind: 'message', text, json });
    });
    ws.on('unexpected-response', (_request, response) => {
      reject({ status: response.statusCode ?? 0, headers: response.headers } satisfies Refusal);
      response.resume();
      ws.terminate();
    });
    ws.on('error', (error) => reject({ error: error.message } satisfies Refusal));
    ws.on('open', () => {
      const next = () =>
        new Promise<RawEvent>((done) => {
          const queued = queue.shift();
          if (queued) done(queued);
          else if (closeInfo && ws.readyState === WebSocket.CLOSED) done({ kind: 'close', ...closeInfo });
          else waiters.push(done);
        });
      let nextId = 1;
      const call = (method: string, params?: unknown, id: string | number = nextId++) =>
        new Promise<RawEvent>((done) => {
          if (closeInfo) return done({ kind: 'close', ...closeInfo });
          pending.set(id, done);
          ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
        });
      resolve({
        ws,
        protocol: ws.protocol,
        next,
        call,
        received,
        async result(method, params) {
          const reply = await call(method, params);
          if (reply.kind === 'message' && typeof reply.json === 'object' && reply.json !== null && 'error' in reply.json) {
            throw VirError.fromJsonRpc((reply.json as { error: JsonRpcErrorObject }).error);
          }
          return resultOf(reply);
        },
        sendText: (text) => ws.send(text),
        closed,
        pings: () => pings,
        close: () => ws.close(),
      });
    });
  });
}

/** The reply's `error` object, or throws when the event is not an error reply. */
export function errorOf(event: RawEvent): { code: number; message: string; data?: Record<string, unknown> } {
  if (event.kind !== 'message' || typeof event.json !== 'object' || event.json === null || !('error' in event.json)) {
    throw new Error(`expected an error reply, got ${JSON.stringify(event)}`);
  }
  return (event.json as { error: { code: number; message: string; data?: Record<string, unknown> } }).error;
}

/** The reply's `result`, or throws when the event is not a successful reply. */
export function resultOf(event: RawEvent): unknown {
  if (event.kind !== 'message' || typeof event.json !== 'object' || event.json === null || !('result' in event.json)) {
    throw new Error(`expected a result, got ${JSON.stringify(event).slice(0, 500)}`);
  }
  return (event.json as { result: unknown }).result;
}

/** Resolves with the refusal of an upgrade that must fail (throws if it opened). */
export async function refusal(attempt: Promise<RawClient>): Promise<Refusal> {
  try {
    const client = await attempt;
    client.ws.terminate();
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('the upgrade was accepted');
}

/** A driver connection opened over a raw client: calls go out exactly as given (no SDK pre-checks). */
export interface RawConnection {
  /** Sends one call; resolves to its result, rejects with the daemon's error as a VirError. */
  call(method: string, params: unknown): Promise<unknown>;
  close(): void;
}

/** Opens `url` (`ws://host:port` with the test token, or `ws+unix:/path:/`) and the driver `uri`, bypassing the SDK. */
export async function openRawConnection(url: string, uri: string): Promise<RawConnection> {
  const client = await openRaw(url, { headers: tokenHeaders(url) });
  await client.result('ConnectOpen', { uri, flags: 0 });
  return { call: (method, params) => client.result(method, params), close: () => client.close() };
}
