// The console: logs in, keeps one connection (reconnecting when it drops), and routes between the host, domain list and domain pages.
import { connect, type Connection } from '@virtwire/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveSource } from './data/live-source.js';
import { openLiveSource } from './data/open-live-source.js';
import { consoleUri } from './session/console-uri.js';
import { forgetCredentials, saveCredentials, savedCredentials, takeFragmentCredentials, type Credentials } from './session/token-storage.js';
import { DomainListView } from './views/domain-list-view.js';
import { DomainView } from './views/domain-view.js';
import { HostView } from './views/host-view.js';
import { LoginView } from './views/login-view.js';

interface Session {
  conn: Connection;
  source: LiveSource;
  /** Set when the console polls: why the daemon sends it no events. */
  pollingBecause?: string;
}

type Route = { view: 'home' } | { view: 'domain'; name: string };

function currentRoute(): Route {
  const match = /^#\/domain\/(.+)$/.exec(location.hash);
  return match ? { view: 'domain', name: decodeURIComponent(match[1]!) } : { view: 'home' };
}

/** Longest wait between reconnection attempts, in ms. */
const MAX_RECONNECT_DELAY_MS = 10_000;

async function open(credentials: Credentials): Promise<Session> {
  const conn = await connect(consoleUri(credentials.driverUri, location), { token: credentials.token });
  try {
    return { conn, ...(await openLiveSource(conn)) };
  } catch (error) {
    await conn.close();
    throw error;
  }
}

export function App() {
  // Read once, before anything renders: the fragment's token leaves the address bar at once.
  const [initial] = useState(() => {
    const fromFragment = takeFragmentCredentials(location, history);
    if (fromFragment) saveCredentials(sessionStorage, fromFragment);
    return fromFragment ?? savedCredentials(sessionStorage);
  });
  const [session, setSession] = useState<Session>();
  const [loginError, setLoginError] = useState<unknown>();
  const [busy, setBusy] = useState(initial !== undefined);
  const [notice, setNotice] = useState('');
  const [route, setRoute] = useState<Route>(currentRoute);
  const credentials = useRef<Credentials | undefined>(initial);
  const mainRef = useRef<HTMLElement>(null);

  const login = async (c: Credentials) => {
    setBusy(true);
    setLoginError(undefined);
    try {
      const next = await open(c);
      credentials.current = c;
      saveCredentials(sessionStorage, c);
      setSession(next);
    } catch (error) {
      forgetCredentials(sessionStorage);
      setLoginError(error);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (initial) void login(initial);
    const onHash = () => {
      // A #token= link opened in a tab that is already on the console: log in with it, and erase it at once.
      const fromFragment = takeFragmentCredentials(location, history);
      if (fromFragment) void login(fromFragment);
      setRoute(currentRoute());
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    mainRef.current?.focus();
  }, [route]);

  // A dropped connection: say so, reconnect with growing delays, refetch everything on a new connection.
  useEffect(() => {
    if (!session) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = session.conn.onClose(() => {
      if (stopped) return;
      session.source.close();
      setNotice('Connection to the daemon lost; reconnecting…');
      let delay = 500;
      const attempt = async () => {
        if (stopped || !credentials.current) return;
        try {
          const next = await open(credentials.current);
          if (stopped) return void next.conn.close();
          setNotice('Reconnected; everything shown was fetched again.');
          setSession(next);
        } catch {
          delay = Math.min(MAX_RECONNECT_DELAY_MS, delay * 2);
          timer = setTimeout(() => void attempt(), delay);
        }
      };
      timer = setTimeout(() => void attempt(), delay);
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
      off();
    };
  }, [session]);

  if (!session) return <LoginView onLogin={(c) => void login(c)} error={loginError} busy={busy} />;

  const logout = async () => {
    forgetCredentials(sessionStorage);
    credentials.current = undefined;
    const closing = session;
    setSession(undefined);
    closing.source.close();
    await closing.conn.close();
  };

  const { conn, source, pollingBecause } = session;
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">
          virtwire
        </a>
        <span class="uri">{conn.uri}</span>
        <span class="badge live" data-testid="live-mode" title={pollingBecause ? `No events: ${pollingBecause}` : "Views follow the daemon's events"}>
          {source.mode === 'events' ? 'live' : 'polling'}
        </span>
        {conn.readOnly ? (
          <span class="badge ro" data-testid="read-only">
            read-only
          </span>
        ) : null}
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      {pollingBecause ? (
        <p class="notice" data-testid="polling-note">
          The daemon sends no events here ({pollingBecause}): the views are fetched again every few seconds.
        </p>
      ) : null}
      {notice ? (
        <p role="status" class="notice">
          {notice}
        </p>
      ) : null}
      <main ref={mainRef} tabIndex={-1}>
        {route.view === 'domain' ? (
          <DomainView key={`${route.name}`} conn={conn} source={source} name={route.name} />
        ) : (
          <>
            <DomainListView conn={conn} source={source} />
            <HostView conn={conn} source={source} />
          </>
        )}
      </main>
    </>
  );
}
