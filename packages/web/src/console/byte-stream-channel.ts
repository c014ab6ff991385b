// A ByteStream (virDomainOpenGraphics's stream) dressed as the WebSocket-like channel noVNC's RFB accepts instead of a URL.
import type { ByteStream } from '@virtwire/client';
import type { RfbChannel } from '@novnc/novnc';

/** Most bytes kept for the channel before its reader attaches (an RFB greeting is 12). */
const MAX_EARLY_BYTES = 1024 * 1024;

/**
 * The smallest object noVNC's `Websock.attach` takes: `send`, `close`, `binaryType`, `protocol`,
 * `readyState` and the four `on*` handlers. It is already open (the stream is), so RFB starts its
 * handshake at once; bytes the guest sent before RFB set `onmessage` are kept (bounded) and handed
 * over when it does. When the stream closes (either end), `onclose` gets its code and reason.
 */
export class ByteStreamChannel implements RfbChannel {
  binaryType = 'arraybuffer';
  readonly protocol = '';
  onopen: RfbChannel['onopen'] = null;
  onclose: RfbChannel['onclose'] = null;
  onerror: RfbChannel['onerror'] = null;
  private reader: RfbChannel['onmessage'] = null;
  private early: Uint8Array[] = [];
  private earlyBytes = 0;
  private open = true;
  private readonly offData: () => void;

  constructor(private readonly stream: ByteStream) {
    this.offData = stream.onData((chunk) => {
      if (this.reader) return this.reader({ data: chunk });
      this.earlyBytes += chunk.length;
      if (this.earlyBytes > MAX_EARLY_BYTES) return this.stream.close();
      this.early.push(chunk);
    });
    void stream.closed.then(({ code, reason }) => {
      this.open = false;
      this.offData();
      this.onclose?.({ code, reason, wasClean: code === 1000 });
    });
  }

  /** WebSocket's OPEN (1) while the stream is, CLOSED (3) after. */
  get readyState(): number {
    return this.open ? 1 : 3;
  }

  get onmessage(): RfbChannel['onmessage'] {
    return this.reader;
  }

  set onmessage(reader: RfbChannel['onmessage']) {
    this.reader = reader;
    if (!reader) return;
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    for (const chunk of early) reader({ data: chunk });
  }

  send(data: Uint8Array): void {
    this.stream.write(data);
  }

  close(): void {
    this.stream.close();
  }
}
