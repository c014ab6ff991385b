// Words a failed connection the way libvirt's remote driver words it, from the socket error the SDK reports.

const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
};

/**
 * `Failed to connect socket to '/path': No such file or directory` for a unix socket, `unable to
 * connect to server at 'host:port': Connection refused` for TCP (libvirt's texts); other failures
 * keep the SDK's message.
 */
export function describeConnectionFailure(message: string): string {
  const match = /connect (E[A-Z]+) (\S+)$/.exec(message);
  const reason = match ? STRERROR[match[1]!] : undefined;
  if (!match || !reason) return message;
  const target = match[2]!;
  return target.startsWith('/') ? `Failed to connect socket to '${target}': ${reason}` : `unable to connect to server at '${target}': ${reason}`;
}
