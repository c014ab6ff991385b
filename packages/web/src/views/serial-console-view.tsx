// A running domain's serial console (virDomainOpenConsole) in xterm.js, which is loaded only when the console is opened.
import { DomainConsoleFlags, ErrorNumber, VirError, type ByteStream, type Connection, type Domain } from '@virtwire/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SerialTerminal } from '../console/serial-terminal.js';
import { ErrorView } from '../format/error-view.js';

interface Session {
  stream: ByteStream;
  terminal: SerialTerminal;
}

/** True for libvirt's refusal when another session holds the console (VIR_ERR_OPERATION_FAILED "Active console session exists"). */
function consoleBusy(error: unknown): boolean {
  return VirError.is(error) && error.code === ErrorNumber.OperationFailed && /console session/i.test(error.message);
}

/**
 * The serial console of a running domain: shown only where the connection may open one (the
 * driver has `virDomainOpenConsole`, the token is not read-only: the SDK's local check says so).
 * Opening it fetches xterm.js and its stylesheet, opens the console stream and joins them; a console
 * held by another session can be taken over (`VIR_DOMAIN_CONSOLE_FORCE`), with that explained.
 */
export function SerialConsoleView({ conn, domain }: { conn: Connection; domain: Domain }) {
  const [allowed, setAllowed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>();
  const [ended, setEnded] = useState('');
  const hostRef = useRef<HTMLDivElement>(null);
  const session = useRef<Session | undefined>(undefined);
  const label = `Serial console of ${domain.name}`;

  useEffect(() => {
    let live = true;
    conn.refusal('DomainOpenConsole', { domain: domain.ref, devName: null, flags: 0 }).then(
      (refusal) => live && setAllowed(refusal === undefined),
      () => live && setAllowed(false),
    );
    return () => {
      live = false;
    };
  }, [conn]);

  const stop = () => {
    const current = session.current;
    session.current = undefined;
    current?.terminal.dispose();
    current?.stream.close();
    setOpen(false);
  };
  useEffect(() => stop, []);

  const start = async (force: boolean) => {
    setBusy(true);
    setError(undefined);
    setEnded('');
    try {
      const [stream, { attachSerialTerminal }] = await Promise.all([
        domain.openConsole(null, force ? DomainConsoleFlags.Force : 0),
        import('../console/serial-terminal.js'),
      ]);
      const terminal = attachSerialTerminal(hostRef.current!, stream, label);
      const opened: Session = { stream, terminal };
      session.current = opened;
      setOpen(true);
      terminal.focus();
      void stream.closed.then(({ code, reason }) => {
        if (session.current !== opened) return;
        session.current = undefined;
        terminal.dispose();
        setOpen(false);
        setEnded(`The console closed (${code}${reason ? `: ${reason}` : ''}).`);
      });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!allowed) return null;
  return (
    <section aria-labelledby="console-heading" class="serial-console">
      <h3 id="console-heading">Serial console</h3>
      <div class="actions">
        {open ? (
          <button type="button" onClick={stop}>
            Close console
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void start(false)}>
            {busy ? 'Opening…' : 'Open serial console'}
          </button>
        )}
      </div>
      <ErrorView error={error} title="The console did not open" />
      {consoleBusy(error) ? (
        <p>
          Another client (vwsh console, another browser) holds this console; libvirt lets one session at a time use it.{' '}
          <button type="button" disabled={busy} onClick={() => void start(true)}>
            Take it over
          </button>{' '}
          (<code>VIR_DOMAIN_CONSOLE_FORCE</code>: the other session is closed).
        </p>
      ) : null}
      {ended ? <p role="status">{ended}</p> : null}
      <div ref={hostRef} class="terminal-host" role="region" aria-label={label} hidden={!open} />
    </section>
  );
}
