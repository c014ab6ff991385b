// The small part of the WebSocket API the SDK uses, so browsers' WebSocket and Node's ws both fit.

/** What the SDK needs from a WebSocket (a subset of the WHATWG interface). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string | Uint8Array): void;
  /** Set to `arraybuffer` for byte streams. */
  binaryType?: string;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a WebSocket to `url` offering `protocols`; the Node entry point adds unix sockets and headers. */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/** `WebSocket.OPEN`. */
export const OPEN = 1;
