// Splits a libvirt-style connection URI into where the daemon is and what to open there.

/** Where to reach the daemon and which driver URI to send in ConnectOpen. */
export interface ResolvedUri {
  /** `ws`/`wss` for TCP, `unix` for a local socket. */
  transport: 'ws' | 'wss' | 'unix';
  /** `ws://host:port` for TCP; the socket path for unix (undefined: the local default). */
  address?: string;
  /** The URI the daemon opens, transport removed: `test:///default`. */
  driverUri: string;
}

/** Query parameters that configure the transport and never reach the daemon. */
const TRANSPORT_PARAMS = new Set(['socket']);

/**
 * Parses `driver[+transport]://[host[:port]]/path[?query]` as libvirt's remote driver does:
 * `test+ws://127.0.0.1:16520/default` connects to that daemon and opens `test:///default`;
 * `qemu+unix:///session?socket=/path` uses that socket; `test:///default` uses the local daemon.
 */
export function resolveConnectionUri(uri: string): ResolvedUri {
  const match = /^([a-z][a-z0-9]*)(?:\+([a-z]+))?:\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(uri);
  if (!match) throw new TypeError(`cannot parse connection URI '${uri}'`);
  const [, driver = '', transportName, host = '', path = '/', query = ''] = match;
  const params = new URLSearchParams(query);
  const socket = params.get('socket') ?? undefined;
  const kept = new URLSearchParams([...params].filter(([k]) => !TRANSPORT_PARAMS.has(k)));
  const keptText = kept.toString();
  const driverUri = `${driver.toLowerCase()}://${path}${keptText ? `?${keptText}` : ''}`;
  const transport = (transportName ?? (host ? 'ws' : 'unix')).toLowerCase();
  if (transport === 'unix') {
    if (host) throw new TypeError(`a unix transport takes no host: '${uri}'`);
    return socket === undefined ? { transport: 'unix', driverUri } : { transport: 'unix', address: socket, driverUri };
  }
  if (transport !== 'ws' && transport !== 'wss') throw new TypeError(`unsupported transport '${transport}' in '${uri}'`);
  if (!host) throw new TypeError(`a ${transport} transport needs a host: '${uri}'`);
  return { transport, address: `${transport}://${host}`, driverUri };
}
