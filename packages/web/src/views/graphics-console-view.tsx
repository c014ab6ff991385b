// A running qemu domain's graphical console (virDomainOpenGraphics, VNC) in noVNC, which is loaded only when the console is opened.
import type { ByteStream, Connection, Domain } from '@virtwire/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { GraphicsDisplay } from '../console/graphics-display.js';
import { ErrorView } from '../format/error-view.js';

interface Session {
  stream: ByteStream;
  display: GraphicsDisplay;
}

/**
 * The graphical console of a running domain with a `<graphics type='vnc'>` (number `index`): shown
 * only where the connection may open it (the driver has `virDomainOpenGraphics`, the token is not
 * read-only: the SDK's local check says so). Opening it fetches noVNC, opens the display stream and
 * hands it to noVNC's RFB client, which draws the guest's screen in a canvas.
 */
export function GraphicsConsoleView({ conn, domain, index }: { conn: Connection; domain: Domain; index: number }) {
  const [allowed, setAllowed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>();
  const [ended, setEnded] = useState('');
  const hostRef = useRef<HTMLDivElement>(null);
  const session = useRef<Session | undefined>(undefined);
  const label = `Graphical console of ${domain.name}`;

  useEffect(() => {
    let live = true;
    conn.refusal('DomainOpenGraphics', { domain: domain.ref, idx: index, flags: 0 }).then(
      (refusal) => live && setAllowed(refusal === undefined),
      () => live && setAllowed(false),
    );
    return () => {
      live = false;
    };
  }, [conn, index]);

  const stop = () => {
    const current = session.current;
    session.current = undefined;
    current?.display.dispose();
    current?.stream.close();
    setOpen(false);
  };
  useEffect(() => stop, []);

  const start = async () => {
    setBusy(true);
    setError(undefined);
    setEnded('');
    try {
      // noVNC first: the display's bytes are handed to it the moment the stream opens.
      const { attachGraphicsDisplay } = await import('../console/graphics-display.js');
      const stream = await domain.openGraphics(index);
      setOpen(true);
      const opened: Session = {
        stream,
        display: attachGraphicsDisplay(hostRef.current!, stream, label, (why) => {
          if (session.current !== opened) return;
          session.current = undefined;
          opened.display.dispose();
          stream.close();
          setOpen(false);
          setEnded(why);
        }),
      };
      session.current = opened;
      void opened.display.connected.then(() => session.current === opened && opened.display.focus());
    } catch (e) {
      setOpen(false);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!allowed) return null;
  return (
    <section aria-labelledby="graphics-heading" class="graphics-console">
      <h3 id="graphics-heading">Graphical console</h3>
      <div class="actions">
        {open ? (
          <>
            <button type="button" onClick={stop}>
              Close graphical console
            </button>
            <button type="button" onClick={() => session.current?.display.sendCtrlAltDel()}>
              Send Ctrl+Alt+Del
            </button>
          </>
        ) : (
          <button type="button" disabled={busy} onClick={() => void start()}>
            {busy ? 'Opening…' : 'Open graphical console'}
          </button>
        )}
      </div>
      <ErrorView error={error} title="The graphical console did not open" />
      {ended ? <p role="status">{ended}</p> : null}
      <div ref={hostRef} class="display-host" role="region" aria-label={label} hidden={!open} />
    </section>
  );
}
