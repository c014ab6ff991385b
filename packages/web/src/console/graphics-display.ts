// The graphical console's display: noVNC's RFB client (loaded only when a graphical console is opened) over a virDomainOpenGraphics byte stream.
import RFB from '@novnc/novnc';
import type { ByteStream } from '@virtwire/client';
import { ByteStreamChannel } from './byte-stream-channel.js';

/** A VNC session drawn in a canvas: `connected` resolves on RFB's `connect` event; `dispose` ends it. */
export interface GraphicsDisplay {
  readonly connected: Promise<void>;
  focus(): void;
  sendCtrlAltDel(): void;
  dispose(): void;
}

/**
 * Starts noVNC's RFB client in `host` over `stream` (a shared session, scaled to fit the host's
 * width; keys and pointer go to the guest while the canvas has focus). The RFB handshake runs over
 * the stream's bytes as they are: virtwired relays the guest's VNC server, it does not speak VNC.
 * `onEnd` is told once why the session ended (RFB's `disconnect` event or a refused security type).
 */
export function attachGraphicsDisplay(host: HTMLElement, stream: ByteStream, label: string, onEnd: (why: string) => void): GraphicsDisplay {
  const rfb = new RFB(host, new ByteStreamChannel(stream), { shared: true });
  rfb.scaleViewport = true;
  rfb.background = 'transparent';
  const canvas = host.querySelector('canvas');
  canvas?.setAttribute('aria-label', label);
  canvas?.setAttribute('role', 'img');
  const connected = new Promise<void>((resolve) => rfb.addEventListener('connect', () => resolve(), { once: true }));
  let ended = false;
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    onEnd(why);
  };
  rfb.addEventListener('disconnect', (event) =>
    end((event as CustomEvent<{ clean: boolean }>).detail.clean ? 'The display closed.' : 'The display connection was lost.'),
  );
  rfb.addEventListener('securityfailure', (event) => {
    const { status, reason } = (event as CustomEvent<{ status: number; reason?: string }>).detail;
    end(`The VNC server refused the session (security status ${status}${reason ? `: ${reason}` : ''}).`);
  });
  rfb.addEventListener('credentialsrequired', () => {
    end('The VNC server asks for a password (the <graphics> passwd); the console does not send one.');
    rfb.disconnect();
  });
  return {
    connected,
    focus: () => rfb.focus(),
    sendCtrlAltDel: () => rfb.sendCtrlAltDel(),
    dispose: () => {
      ended = true;
      rfb.disconnect();
    },
  };
}
