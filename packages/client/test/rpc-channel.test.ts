// Unit tests of the SDK's JSON-RPC channel over a fake WebSocket: replies routed by id, errors, timeouts, closing.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { describe, expect, it } from 'vitest';
import { CallAbortedError, CallTimeoutError, ConnectionClosedError } from '../src/core/errors.js';
import { RpcChannel } from '../src/core/rpc-channel.js';
import type { WebSocketLike } from '../src/core/web-socket-like.js';

/** A WebSocket that records what is sent and lets the test deliver messages and close it. */
class FakeSocket implements WebSocketLike {
  readyState = 1;
  readonly protocol = 'virtwire.v1';
  readonly sent: Array<{ id: number; method: string; params: unknown }> = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  deliver(message: unknown): void {
    this.onmessage!({ data: JSON.stringify(message) });
  }
}

const open = () => {
  const socket = new FakeSocket();
  return { socket, channel: new RpcChannel(socket) };
};

describe('RpcChannel', () => {
  it('sends JSON-RPC 2.0 requests with fresh ids and resolves each call by the id of its reply, in any order and in batches', async () => {
    const { socket, channel } = open();
    const calls = [channel.call('A', { flags: 0 }), channel.call('B', {}), channel.call('C', {})];
    expect(socket.sent).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'A', params: { flags: 0 } },
      { jsonrpc: '2.0', id: 2, method: 'B', params: {} },
      { jsonrpc: '2.0', id: 3, method: 'C', params: {} },
    ]);
    socket.deliver({ jsonrpc: '2.0', id: 3, result: 'c' });
    socket.deliver([
      { jsonrpc: '2.0', id: 1, result: { a: 1 } },
      { jsonrpc: '2.0', id: 2, result: null },
    ]);
    expect(await Promise.all(calls)).toEqual([{ a: 1 }, null, 'c']);
    expect(channel.sent).toBe(3);
  });

  it("rejects with libvirt's error from an error reply, and reads 'method not found' as VIR_ERR_NO_SUPPORT", async () => {
    const { socket, channel } = open();
    const denied = channel.call('A', {});
    const unknown = channel.call('B', {});
    socket.deliver({ jsonrpc: '2.0', id: 1, error: VirError.report(ErrorNumber.OperationDenied, ErrorDomain.Domain, 'no').toJsonRpc() });
    socket.deliver({ jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } });
    await expect(denied).rejects.toMatchObject({ code: ErrorNumber.OperationDenied, domain: ErrorDomain.Domain, message: 'operation forbidden: no' });
    await expect(unknown).rejects.toMatchObject({ code: ErrorNumber.NoSupport, domain: ErrorDomain.Remote });
  });

  it('ignores replies to unknown ids, notifications and text that is not JSON', async () => {
    const { socket, channel } = open();
    const call = channel.call('A', {});
    socket.onmessage!({ data: 'not json' });
    socket.deliver({ jsonrpc: '2.0', id: 99, result: 1 });
    socket.deliver({ jsonrpc: '2.0', method: 'event', params: {} });
    socket.deliver({ jsonrpc: '2.0', id: 1, result: 'answer' });
    expect(await call).toBe('answer');
  });

  it('gives up on a call after its timeout with VIR_ERR_OPERATION_TIMEOUT, and ignores its late reply', async () => {
    const { socket, channel } = open();
    const error = await channel.call('Slow', {}, { timeoutMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ code: ErrorNumber.OperationTimeout });
    socket.deliver({ jsonrpc: '2.0', id: 1, result: 'late' });
    const next = channel.call('Next', {}, { timeoutMs: 1000 });
    socket.deliver({ jsonrpc: '2.0', id: 2, result: 'on time' });
    expect(await next).toBe('on time');
  });

  it('fails every pending and later call with ConnectionClosedError when the socket closes', async () => {
    const { socket, channel } = open();
    const pending = [channel.call('A', {}), channel.call('B', {}, { timeoutMs: 1000 })];
    const closes: string[] = [];
    channel.onClose((error) => closes.push(error.message));
    socket.onclose!({ code: 1006, reason: '' });
    for (const call of pending) await expect(call).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(channel.call('C', {})).rejects.toMatchObject({ code: ErrorNumber.Rpc, message: 'connection closed: code 1006' });
    expect(closes).toEqual(['connection closed: code 1006']);
    expect(socket.sent.map((r) => r.method)).toEqual(['A', 'B']);
  });

  it("cancels a call when its signal aborts: sends $/cancelRequest with the call's id and fails at once with CallAbortedError", async () => {
    const { socket, channel } = open();
    const controller = new AbortController();
    const call = channel.call('Slow', {}, { signal: controller.signal });
    controller.abort();
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallAbortedError);
    expect(error).toMatchObject({
      code: ErrorNumber.OperationAborted,
      domain: ErrorDomain.Rpc,
      message: 'operation aborted: Slow was cancelled by the caller',
    });
    expect(socket.sent).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'Slow', params: {} },
      { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } },
    ]);
    socket.deliver({ jsonrpc: '2.0', id: 1, result: 'late' }); // ignored
    // a signal aborted before the call sends nothing
    await expect(channel.call('Never', {}, { signal: controller.signal })).rejects.toBeInstanceOf(CallAbortedError);
    expect(socket.sent).toHaveLength(2);
  });

  it("with awaitCancelledAnswer, a cancelled call waits for the daemon's own answer (a job that stopped, or one that had committed)", async () => {
    const { socket, channel } = open();
    const controller = new AbortController();
    const stopped = channel.call('Job', {}, { signal: controller.signal, awaitCancelledAnswer: true });
    controller.abort();
    expect(socket.sent.at(-1)).toEqual({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } });
    socket.deliver({
      jsonrpc: '2.0',
      id: 1,
      error: { code: 78, message: 'operation aborted: snapshot job: canceled by client', data: { domain: 10, level: 2 } },
    });
    await expect(stopped).rejects.toMatchObject({ code: ErrorNumber.OperationAborted, message: 'operation aborted: snapshot job: canceled by client' });
    const late = new AbortController();
    const committed = channel.call('Job', {}, { signal: late.signal, awaitCancelledAnswer: true });
    late.abort();
    socket.deliver({ jsonrpc: '2.0', id: 2, result: 'made' });
    expect(await committed).toBe('made');
  });

  it('refuses parameters that cannot be written as JSON with VIR_ERR_INVALID_ARG, sending nothing', async () => {
    const { socket, channel } = open();
    await expect(channel.call('A', { flags: 1n })).rejects.toMatchObject({ code: ErrorNumber.InvalidArg, domain: ErrorDomain.Rpc });
    expect(socket.sent).toEqual([]);
  });
});
