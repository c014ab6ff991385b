// Which upgraded sockets asked for a byte stream (`/stream/<ticket>`) rather than for calls: noted at the upgrade, read when the WebSocket opens.
import { STREAM_PATH_PREFIX } from '@virtwire/protocol';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** The stream ticket each upgrading socket asked for, by socket (gone with it). */
export class StreamPaths {
  private readonly bySocket = new WeakMap<Duplex, string>();

  /** An `upgrade` listener registered before the upgrade handler: remembers the ticket of a `/stream/...` request. */
  readonly note = (request: IncomingMessage, socket: Duplex): void => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path.startsWith(STREAM_PATH_PREFIX)) this.bySocket.set(socket, path.slice(STREAM_PATH_PREFIX.length, STREAM_PATH_PREFIX.length + 64));
  };

  /** The ticket `socket` asked for (possibly malformed: the ticket store refuses it), or undefined for a call connection. */
  ticketFor(socket: Duplex): string | undefined {
    return this.bySocket.get(socket);
  }
}
