// Turns the driver URI a user picks (`test:///default`) into a connection URI to the daemon that served this page.

/**
 * The connection URI for `driverUri` through the daemon at `location` (the page's own origin):
 * `test:///default` on `https://host:16520` gives `test+wss://host:16520/default`. A driver URI
 * that names a host of its own is refused: the console talks to the daemon that served it.
 */
export function consoleUri(driverUri: string, location: Pick<Location, 'protocol' | 'host'>): string {
  const match = /^([a-z][a-z0-9]*):\/\/(\/[^#]*)$/i.exec(driverUri.trim());
  if (!match) throw new TypeError(`'${driverUri}' is not a local driver URI such as test:///default or qemu:///session`);
  const transport = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${match[1]!.toLowerCase()}+${transport}://${location.host}${match[2]}`;
}
