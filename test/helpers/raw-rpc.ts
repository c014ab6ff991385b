// A bare JSON-RPC client for tests that must see what the daemon itself answers, without the SDK's local checks.
import { SUBPROTOCOL, VirError, type JsonRpcErrorObject } from '@virtwire/protocol';
import WebSocket from 'ws';

/** One open connection that sends requests as they are given. */
export interface RawConnection {
  /** Sends one call; resolves to its result, rejects with the daemon's error as a VirError. */
  call(method: string, params: unknown): Promise<unknown>;
  close(): void;
}

/** Opens `address` (`ws://host:port` or `ws+unix:/path:/`) and the driver `uri`, bypassing the SDK. */
export async function openRaw(address: string, uri: string): Promise<RawConnection> {
  const socket = new WebSocket(address, [SUBPROTOCOL], { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  socket.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { id: number; result?: unknown; error?: JsonRpcErrorObject };
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.error) waiter.reject(VirError.fromJsonRpc(reply.error));
    else waiter.resolve(reply.result);
  });
  let nextId = 1;
  const call = (method: string, params: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  await call('ConnectOpen', { uri, flags: 0 });
  return { call, close: () => socket.close() };
}
