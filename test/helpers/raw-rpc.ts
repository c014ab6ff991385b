// A bare JSON-RPC client for tests that must see what the daemon itself answers, without the SDK's local checks.
import { VirError, type JsonRpcErrorObject } from '@virtwire/protocol';
import { RawClient } from './raw-client.js';

/** One open connection that sends requests as they are given. */
export interface RawConnection {
  /** Sends one call; resolves to its result, rejects with the daemon's error as a VirError. */
  call(method: string, params: unknown): Promise<unknown>;
  close(): void;
}

/** Opens `address` (`ws://host:port` or `ws+unix:/path:/`) and the driver `uri`, bypassing the SDK. */
export async function openRaw(address: string, uri: string): Promise<RawConnection> {
  const client = await RawClient.open(address);
  const call = async (method: string, params: unknown) => {
    const reply = await client.call(method, params);
    if (reply.error) throw VirError.fromJsonRpc(reply.error as JsonRpcErrorObject);
    return reply.result;
  };
  await call('ConnectOpen', { uri, flags: 0 });
  return { call, close: () => client.close() };
}
