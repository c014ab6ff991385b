// Opt-in reconnection of a Connection: back-off, a new socket and ConnectOpen with the same URI and flags, capabilities checked again, then the app told to refetch.
import type { DriverCapabilities, Result } from '@virtwire/protocol';
import { ConnectionClosedError } from './errors.js';
import type { ReplyPolling } from './reply-polling.js';
import { RpcChannel } from './rpc-channel.js';
import type { WebSocketFactory } from './web-socket-like.js';

/** `ConnectOptions.reconnect`: how an SDK connection comes back after its socket drops. */
export interface ReconnectOptions {
  /** Attempts before giving up (then the connection is closed for good); default 10. */
  maxAttempts?: number;
  /** Wait before the first attempt, doubled after each failure; default 100 ms. */
  initialDelayMs?: number;
  /** Longest wait between attempts; default 5,000 ms. */
  maxDelayMs?: number;
}

/** What `Connection.onReconnect` listeners are told: the events of the gap are lost, so refetch. */
export interface ReconnectInfo {
  /** Which attempt succeeded (1 for the first). */
  attempt: number;
  /** Why the previous socket closed. */
  reason: string;
}

/** What it takes to open the same connection again. */
export interface ReopenTarget {
  readonly url: string;
  readonly protocols: string[];
  readonly factory: WebSocketFactory;
  readonly polling: ReplyPolling | undefined;
  readonly driverUri: string | null;
  readonly flags: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Opens the connection again with back-off. A new channel counts only once ConnectOpen succeeded
 * on the same driver (its capabilities checked again: another driver behind the URI is a failed
 * attempt). Resolves to the new channel and its capabilities, or rejects with the last error once
 * the attempts are used up or `cancelled()` says the app closed the connection.
 */
export async function reopen(
  target: ReopenTarget,
  previous: DriverCapabilities,
  options: ReconnectOptions,
  cancelled: () => boolean,
): Promise<{ channel: RpcChannel; capabilities: DriverCapabilities; attempt: number }> {
  const maxAttempts = options.maxAttempts ?? 10;
  let delay = options.initialDelayMs ?? 100;
  let last: unknown = new ConnectionClosedError('reconnection gave up');
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await sleep(delay);
    delay = Math.min(delay * 2, options.maxDelayMs ?? 5_000);
    if (cancelled()) throw new ConnectionClosedError('closed by the client');
    let channel: RpcChannel | undefined;
    try {
      channel = await RpcChannel.open(target.factory(target.url, target.protocols), target.polling);
      const opened = (await channel.call('ConnectOpen', { uri: target.driverUri, flags: target.flags })) as Result<'ConnectOpen'>;
      if (opened.capabilities.driver !== previous.driver) throw new ConnectionClosedError(`the daemon now serves the ${opened.capabilities.driver} driver`);
      return { channel, capabilities: opened.capabilities, attempt };
    } catch (error) {
      channel?.close();
      last = error;
    }
  }
  throw last;
}
