// A byte stream (libvirt's virStreamPtr) on its own WebSocket: a guest console's bytes both ways, in browsers and Node alike.
import { OPEN, type WebSocketLike } from './web-socket-like.js';

/** Text written to a stream is sent as UTF-8. */
const encoder = new TextEncoder();

/**
 * An open byte stream (`virStreamSend`/`virStreamRecv` as events): `onData` receives every chunk
 * the device sends, `write` sends bytes to it, `close` ends it (`virStreamFinish`); `closed`
 * resolves with the close code and reason once either end closed it.
 */
export class ByteStream {
  private readonly listeners = new Set<(chunk: Uint8Array) => void>();
  /** Resolves when the stream closed: 1000 when either end finished it, 1008 for a refused ticket. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly socket: WebSocketLike) {
    this.closed = new Promise((resolve) => {
      socket.onclose = (event) => resolve({ code: event.code, reason: event.reason });
    });
    socket.onmessage = (event) => {
      const chunk = toBytes(event.data);
      for (const listener of this.listeners) listener(chunk);
    };
  }

  /** Waits for `socket` to open; rejects if it closes first (refused upgrade). */
  static open(socket: WebSocketLike): Promise<ByteStream> {
    socket.binaryType = 'arraybuffer';
    return new Promise((resolve, reject) => {
      socket.onerror = () => undefined;
      socket.onclose = (event) => reject(new Error(`stream refused (${event.code}${event.reason ? `: ${event.reason}` : ''})`));
      socket.onopen = () => resolve(new ByteStream(socket));
    });
  }

  /** Calls `listener` with each chunk received; returns a function that removes it. */
  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends bytes (text as UTF-8) to the device; ignored once closed. */
  write(data: Uint8Array | string): void {
    if (this.socket.readyState !== OPEN) return;
    this.socket.send(typeof data === 'string' ? encoder.encode(data) : data);
  }

  /** Ends the stream. */
  close(): void {
    this.socket.close(1000, 'stream finished');
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) {
    const parts = data.map(toBytes);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
  return encoder.encode(String(data));
}
