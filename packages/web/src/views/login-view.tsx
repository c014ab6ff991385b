// The login form: a token typed in (or pasted) and the driver URI to open on the daemon that served the page.
import { useState } from 'preact/hooks';
import { ErrorView } from '../format/error-view.js';
import { DEFAULT_DRIVER_URI, type Credentials } from '../session/token-storage.js';

/** Asks for a token; `error` is the last failed attempt, shown in libvirt's words. */
export function LoginView({ onLogin, error, busy }: { onLogin: (credentials: Credentials) => void; error?: unknown; busy: boolean }) {
  const [token, setToken] = useState('');
  const [driverUri, setDriverUri] = useState(DEFAULT_DRIVER_URI);
  return (
    <main class="login">
      <h1>virtwire console</h1>
      <form
        aria-label="Log in"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onLogin({ token: token.trim(), driverUri: driverUri.trim() });
        }}
      >
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" required autofocus value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <label for="driver-uri">Driver URI</label>
        <input id="driver-uri" name="driver-uri" type="text" value={driverUri} onInput={(e) => setDriverUri(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Connecting…' : 'Connect'}
        </button>
      </form>
      <p class="hint">
        The token is kept for this tab only (sessionStorage). A link may carry it as <code>#token=…</code>; it is removed from the address bar at once.
      </p>
      <ErrorView error={error} title="Could not connect" />
    </main>
  );
}
