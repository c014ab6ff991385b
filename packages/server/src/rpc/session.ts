// The state of one client connection that calls see: who is calling and which driver connection is open.
import type { Logger } from 'pino';
import type { DriverConnection } from '../drivers/driver.js';
import type { EventSubscriptions } from '../events/event-subscriptions.js';

/** One WebSocket client, as the dispatcher sees it. */
export interface Session {
  readonly id: string;
  /** Read-only principal: from the read-only socket, a read-only token, or ConnectOpen's VIR_CONNECT_RO. */
  readOnly: boolean;
  /** The driver connection ConnectOpen opened, null before it and after ConnectClose. */
  driver: DriverConnection | null;
  /** True while a ConnectOpen is under way: a second one is refused, not run beside it. */
  opening: boolean;
  /** True once the socket is gone: a driver connection that finishes opening after it is closed at once. */
  closed: boolean;
  readonly log: Logger;
  /** Who is calling (the token's or the socket's principal): request keys are remembered per principal. */
  readonly principal?: string;
  /** The connection's event callbacks; set by its ClientConnection (absent where nothing can be sent, e.g. unit tests). */
  events?: EventSubscriptions;
}
