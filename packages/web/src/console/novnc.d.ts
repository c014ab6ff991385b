// The part of noVNC's RFB class (@novnc/novnc, which ships no types) the graphical console uses.
declare module '@novnc/novnc' {
  /** What RFB accepts instead of a URL: a WebSocket or RTCDataChannel-like channel (see noVNC's core/websock.js). */
  export interface RfbChannel {
    binaryType: string;
    readonly protocol: string;
    readonly readyState: number | string;
    onopen: ((event: unknown) => void) | null;
    onmessage: ((event: { data: ArrayBuffer | Uint8Array }) => void) | null;
    onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
    onerror: ((event: unknown) => void) | null;
    send(data: Uint8Array): void;
    close(): void;
  }

  /** noVNC's RFB client: draws the remote framebuffer in a canvas it appends to `target`. */
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, urlOrChannel: string | RfbChannel, options?: { shared?: boolean; credentials?: { password?: string } });
    scaleViewport: boolean;
    resizeSession: boolean;
    viewOnly: boolean;
    focusOnClick: boolean;
    background: string;
    disconnect(): void;
    focus(): void;
    sendCtrlAltDel(): void;
    sendCredentials(credentials: { password?: string }): void;
  }
}
