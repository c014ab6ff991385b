// The serial console's terminal: xterm.js (and its stylesheet), loaded only when a console is opened, joined to a guest console's byte stream.
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { ByteStream } from '@virtwire/client';
import { constructedStyleElements } from './csp-style-sheets.js';

/** Lines the terminal keeps above the screen: a boot log fits, memory stays bounded. */
const SCROLLBACK_LINES = 2_000;

/** A terminal showing a console stream and sending it what is typed; `dispose` detaches both. */
export interface SerialTerminal {
  focus(): void;
  dispose(): void;
}

/**
 * Opens an 80x24 terminal (the serial console's classic size; wider hosts scroll it) in `host` and
 * joins it to `stream`: the guest's bytes are written to it, keys typed in it go to the guest.
 */
export function attachSerialTerminal(host: HTMLElement, stream: ByteStream, label: string): SerialTerminal {
  constructedStyleElements(host.ownerDocument);
  const terminal = new Terminal({
    cols: 80,
    rows: 24,
    scrollback: SCROLLBACK_LINES,
    screenReaderMode: true,
    cursorBlink: false,
    fontFamily: 'ui-monospace, monospace',
  });
  terminal.open(host);
  terminal.textarea?.setAttribute('aria-label', label);
  const offData = stream.onData((chunk) => terminal.write(chunk));
  const typed = terminal.onData((data) => stream.write(data));
  return {
    focus: () => terminal.focus(),
    dispose: () => {
      offData();
      typed.dispose();
      terminal.dispose();
    },
  };
}
