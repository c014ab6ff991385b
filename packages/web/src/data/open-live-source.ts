// Chooses how the console follows the daemon: its events when the daemon and driver send them, polling otherwise.
import { ConnectionClosedError, type Connection } from '@virtwire/client';
import { EventSource } from './event-source.js';
import { PollingSource, type LiveSource } from './live-source.js';

/** The source, and when it polls, why (the daemon's refusal of `virConnectDomainEventRegisterAny`, in its words). */
export interface OpenedLiveSource {
  source: LiveSource;
  pollingBecause?: string;
}

/**
 * Registers for events on `conn` (see {@link EventSource}); a daemon or driver that refuses them
 * (`VIR_ERR_NO_SUPPORT`, an older daemon without the method) gets a {@link PollingSource}. A
 * connection that closed meanwhile rejects, as a failed connect would.
 */
export async function openLiveSource(conn: Connection): Promise<OpenedLiveSource> {
  try {
    return { source: await EventSource.open(conn) };
  } catch (error) {
    if (ConnectionClosedError.isInstance(error)) throw error;
    return { source: new PollingSource(), pollingBecause: error instanceof Error ? error.message : String(error) };
  }
}
