// A bare WebSocket JSON-RPC peer for tests: sends exactly what it is told, with no local checks.
import { SUBPROTOCOL } from '@virtwire/protocol';
import WebSocket from 'ws';

/** A raw JSON-RPC response or error object as the daemon sent it. */
export interface RawReply {
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

function defaultHeaders(address: string): Record<string, string> {
  const token = process.env.VIRTWIRE_TOKEN;
  return address.startsWith('ws://') && token ? { authorization: `Bearer ${token}` } : {};
}

/** A raw connection: `call` sends one request and resolves with the reply object. */
export class RawClient {
  private nextId = 1;
  private readonly waiting = new Map<unknown, (reply: RawReply) => void>();
  readonly unmatched: unknown[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as RawReply | RawReply[];
      for (const reply of Array.isArray(message) ? message : [message]) {
        const resolve = this.waiting.get(reply.id);
        if (resolve) {
          this.waiting.delete(reply.id);
          resolve(reply);
        } else {
          this.unmatched.push(reply);
        }
      }
    });
  }

  /**
   * Connects to `address` (`ws://host:port` or `ws+unix:/path:/`) with the virtwire subprotocol;
   * over TCP with the test token of `$VIRTWIRE_TOKEN` unless `headers` say otherwise.
   */
  static open(address: string, protocols: string[] = [SUBPROTOCOL], headers: Record<string, string> = defaultHeaders(address)): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(address, protocols, { headers, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
      socket.once('open', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  /** Sends a request and waits for its reply. */
  call(method: string, params?: unknown): Promise<RawReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  /** Calls and returns the result, throwing the raw error object if there is one. */
  async result(method: string, params?: unknown): Promise<unknown> {
    const reply = await this.call(method, params);
    if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
    return reply.result;
  }

  close(): void {
    this.socket.close();
  }
}
