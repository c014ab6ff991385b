// Where the console keeps its token: taken from the URL fragment once (then erased from the address bar), held in sessionStorage only.

const TOKEN_KEY = 'virtwire.token';
const URI_KEY = 'virtwire.uri';

/** What a login needs: the bearer token and the driver URI to open (`test:///default`). */
export interface Credentials {
  token: string;
  driverUri: string;
}

/** The driver URI a fresh console opens. */
export const DEFAULT_DRIVER_URI = 'test:///default';

/**
 * Reads `#token=...` (and optionally `uri=...`) from the fragment, which browsers never send to the
 * server, and removes both from the address bar at once with `history.replaceState`, so the token
 * stays out of the history, bookmarks and screenshots. Returns undefined when the fragment has none.
 */
export function takeFragmentCredentials(location: Location, history: History): Credentials | undefined {
  const fragment = location.hash.replace(/^#/, '');
  if (!fragment.startsWith('token=') && !fragment.includes('&token=')) return undefined;
  const params = new URLSearchParams(fragment);
  const token = params.get('token') ?? '';
  const driverUri = params.get('uri') ?? DEFAULT_DRIVER_URI;
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  return token ? { token, driverUri } : undefined;
}

/** The credentials of this tab's session, if it logged in before (sessionStorage: gone with the tab). */
export function savedCredentials(storage: Storage): Credentials | undefined {
  const token = storage.getItem(TOKEN_KEY);
  return token ? { token, driverUri: storage.getItem(URI_KEY) ?? DEFAULT_DRIVER_URI } : undefined;
}

/** Keeps the credentials for this tab only (never localStorage, never a cookie). */
export function saveCredentials(storage: Storage, credentials: Credentials): void {
  storage.setItem(TOKEN_KEY, credentials.token);
  storage.setItem(URI_KEY, credentials.driverUri);
}

/** Logs out: forgets the token. */
export function forgetCredentials(storage: Storage): void {
  storage.removeItem(TOKEN_KEY);
  storage.removeItem(URI_KEY);
}
