// Byte streams (libvirt's virStream) on their own WebSocket: one-shot tickets bound to the caller's credentials, bounded, piped with backpressure.
import { ErrorDomain, ErrorNumber, STREAM_TICKET_TTL_MS, VirError } from '@virtwire/protocol';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';

/** Opens the device end of a stream when its WebSocket arrives (a console's pty or socket). */
export type StreamOpener = () => Promise<Duplex>;

/** How many tickets may wait and streams may run at once, daemon-wide. */
export const MAX_STREAMS = 32;
/** Bytes queued towards a stream's WebSocket before the device end is paused. */
const MAX_QUEUED_BYTES = 1024 * 1024;

interface Ticket {
  connectionId: string;
  open: StreamOpener;
  expires: number;
  timer: NodeJS.Timeout;
}

/**
 * The streams of one daemon. A driver issues a ticket for the calling connection; the client
 * opens a WebSocket at `/stream/<ticket>` on the same listener, through the same upgrade checks
 * (subprotocol, Origin, token); the ticket is consumed once, within its lifetime, and only by the
 * credentials of the connection that asked for it while that connection is still open.
 */
export class StreamTickets {
  private readonly tickets = new Map<string, Ticket>();
  private active = 0;
  /** Open streams by the call connection they belong to: they end with it, as libvirt's do. */
  private readonly byConnection = new Map<string, Set<WebSocket>>();

  constructor(
    /** The credentials (principal key) of an open connection, undefined once it closed. */
    private readonly principalOf: (connectionId: string) => string | undefined,
    private readonly log: Logger,
  ) {}

  /** A new ticket for `connectionId`; VIR_ERR_OPERATION_FAILED when the daemon's streams are all taken. */
  issue(connectionId: string, open: StreamOpener): string {
    if (this.tickets.size + this.active >= MAX_STREAMS) {
      throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Streams, `too many open streams (at most ${MAX_STREAMS})`);
    }
    const ticket = randomBytes(16).toString('hex');
    const timer = setTimeout(() => this.tickets.delete(ticket), STREAM_TICKET_TTL_MS);
    timer.unref();
    this.tickets.set(ticket, { connectionId, open, expires: Date.now() + STREAM_TICKET_TTL_MS, timer });
    return ticket;
  }

  /** The call connection `connectionId` closed: its tickets are void and its streams end (1000). */
  connectionClosed(connectionId: string): void {
    for (const [ticket, entry] of this.tickets) {
      if (entry.connectionId !== connectionId) continue;
      clearTimeout(entry.timer);
      this.tickets.delete(ticket);
    }
    for (const ws of this.byConnection.get(connectionId) ?? []) ws.close(1000, 'connection closed');
  }

  /**
   * Attaches an upgraded WebSocket to its ticket: closes it with 1008 (policy) when the ticket is
   * unknown, used, expired or not the caller's, with 1011 when the device does not open.
   */
  async attach(ticket: string, principalKey: string, ws: WebSocket): Promise<void> {
    const entry = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (entry) clearTimeout(entry.timer);
    if (!entry || entry.expires < Date.now() || this.principalOf(entry.connectionId) !== principalKey) {
      ws.close(1008, 'unknown stream');
      return;
    }
    this.active++;
    // bytes the client sends before the device is open wait in the socket, not lost
    ws.pause();
    // owned by its connection from now on: if the connection closes while the device opens, the stream ends too
    const owned = this.byConnection.get(entry.connectionId) ?? new Set<WebSocket>();
    this.byConnection.set(entry.connectionId, owned);
    owned.add(ws);
    const release = () => {
      this.active--;
      owned.delete(ws);
      if (owned.size === 0 && this.byConnection.get(entry.connectionId) === owned) this.byConnection.delete(entry.connectionId);
    };
    let device: Duplex;
    try {
      device = await entry.open();
    } catch (error) {
      release();
      this.log.warn({ err: error }, 'stream device did not open');
      ws.close(1011, 'stream device did not open');
      ws.resume();
      return;
    }
    if (ws.readyState !== ws.OPEN || this.principalOf(entry.connectionId) === undefined) {
      // its connection closed (or the client left) while the device opened
      device.destroy();
      release();
      if (ws.readyState === ws.OPEN) ws.close(1000, 'connection closed');
      ws.resume(); // read the client's close frame: the closing handshake ends only then
      return;
    }
    pipe(ws, device, release);
    ws.resume();
  }
}

/** Bytes both ways until either end closes; each end paused while the other cannot keep up. */
function pipe(ws: WebSocket, device: Duplex, done: () => void): void {
  let queued = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
    device.destroy();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000, 'stream closed');
  };
  device.on('data', (chunk: Buffer) => {
    queued += chunk.length;
    if (queued > MAX_QUEUED_BYTES) device.pause();
    ws.send(chunk, { binary: true }, () => {
      queued -= chunk.length;
      if (queued <= MAX_QUEUED_BYTES && device.isPaused()) device.resume();
    });
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!device.write(chunk)) {
      ws.pause();
      device.once('drain', () => ws.resume());
    }
  });
  device.on('error', finish);
  device.on('close', finish);
  device.on('end', finish);
  ws.on('close', finish);
  ws.on('error', finish);
}
