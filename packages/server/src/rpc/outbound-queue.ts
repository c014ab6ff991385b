// What one connection has waiting to go out: every message and its real overhead counted, handed to the socket a little at a time, discarded at once on overflow or close.

/**
 * What a queued message costs besides its text: the queue's slot and string header here, and in
 * the socket the frame header, the Buffer and the write request Node keeps per write (measured at
 * about 250 bytes for a 6-byte PONG). Counted for every message, so a flood of tiny messages is
 * bounded like a few large ones.
 */
export const MESSAGE_OVERHEAD_BYTES = 512;

/** At most this many messages, and this many bytes, are in the socket's hands at once; the rest wait here. */
export const SOCKET_MESSAGES = 64;
export const SOCKET_BYTES = 256 * 1024;

/** Why a message is sent: replies come from the client's own calls, notifications (events) from the daemon. */
export type OutboundKind = 'reply' | 'notification';

/** The socket the queue writes to (a `ws` WebSocket). */
export interface OutboundSocket {
  /** Sends one text message; `done` runs once it is written to the kernel (or failed). */
  send(text: string, done: (error?: Error) => void): void;
}

/** What the queue tells its connection. */
export interface OutboundEvents {
  /** Over an eighth of the bound: stop reading the client (no new work while it does not read what it asked for). */
  pause(): void;
  /** Back under a sixteenth of the bound: read again. */
  resume(): void;
  /** Over the bound: everything queued was discarded; close the connection with `reason`. */
  overflow(reason: string): void;
}

/**
 * One connection's outbound queue. Every message costs its length plus
 * {@link MESSAGE_OVERHEAD_BYTES}, from the moment it is queued until the kernel has it; the total
 * is bounded by `maxBytes`:
 *
 * - the socket gets at most {@link SOCKET_MESSAGES} messages / {@link SOCKET_BYTES} bytes at a
 *   time, so what a slow client has not taken stays here, where it can be dropped;
 * - past an eighth of the bound the connection stops reading (backpressure), below a sixteenth it
 *   resumes: the rest of the bound is headroom for the replies of the calls already running;
 * - past the bound everything queued is discarded at once and the connection is closed: a client
 *   too slow for its replies, or a subscriber too slow for its notifications.
 */
export class OutboundQueue {
  private readonly waiting: Array<{ text: string; cost: number }> = [];
  private head = 0;
  private waitingCost = 0;
  private inSocket = 0;
  private inSocketCost = 0;
  private paused = false;
  private closed = false;

  constructor(
    private readonly socket: OutboundSocket,
    /** The bound on everything queued for this connection, overhead included (`maxOutboundBytes`). */
    readonly maxBytes: number,
    private readonly events: OutboundEvents,
  ) {}

  /** Bytes this connection holds in outbound messages, overhead included. */
  get cost(): number {
    return this.waitingCost + this.inSocketCost;
  }

  /** What is left of the bound (a batch reply is built only within it). */
  get room(): number {
    return Math.max(0, this.maxBytes - this.cost);
  }

  /** Queues one message; false when it was not (queue closed, or it overflowed the bound and the connection is being closed). */
  push(text: string, kind: OutboundKind = 'reply'): boolean {
    if (this.closed) return false;
    const cost = text.length + MESSAGE_OVERHEAD_BYTES;
    if (this.cost + cost > this.maxBytes && this.cost > 0) {
      const reason = kind === 'notification' ? 'subscriber too slow' : 'client too slow';
      this.discard();
      this.events.overflow(`${reason}: more than ${this.maxBytes} bytes waiting to be sent`);
      return false;
    }
    this.waiting.push({ text, cost });
    this.waitingCost += cost;
    this.flush();
    this.checkPressure();
    return true;
  }

  /** Drops everything not yet in the socket, at once, and accepts nothing more (the connection is closing). */
  discard(): void {
    this.closed = true;
    this.waiting.length = 0;
    this.head = 0;
    this.waitingCost = 0;
  }

  private flush(): void {
    while (this.head < this.waiting.length && this.inSocket < SOCKET_MESSAGES && (this.inSocket === 0 || this.inSocketCost < SOCKET_BYTES)) {
      const { text, cost } = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as never;
      this.waitingCost -= cost;
      this.inSocket++;
      this.inSocketCost += cost;
      this.socket.send(text, () => {
        this.inSocket--;
        this.inSocketCost -= cost;
        if (!this.closed) this.flush();
        this.checkPressure();
      });
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  private checkPressure(): void {
    if (!this.paused && this.cost > this.maxBytes / 8) {
      this.paused = true;
      this.events.pause();
    } else if (this.paused && this.cost <= this.maxBytes / 16) {
      this.paused = false;
      if (!this.closed) this.events.resume();
    }
  }
}
