// Parses a driver URI (`test:///default`, `qemu:///session`) as libvirt's virURIParse would.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import type { ConnectionUri } from './driver.js';

/** Splits a driver URI; a transport (`+ws`, `+unix`) must already have been removed by the client. */
export function parseConnectionUri(text: string): ConnectionUri {
  const match = /^([a-z][a-z0-9]*):\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(text);
  if (!match) {
    throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.Uri, `Unable to parse URI ${text}`);
  }
  const [, scheme = '', host = '', path = '/', query = ''] = match;
  if (host !== '') {
    throw VirError.report(ErrorNumber.NoConnect, ErrorDomain.None, `${text}: remote host in a driver URI; connect to that host's daemon instead`);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A bad %-escape (`%ZZ`, a truncated UTF-8 sequence) is the client's mistake, not an internal error.
    throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.Uri, `Unable to parse URI ${text}`);
  }
  return { text, scheme: scheme.toLowerCase(), path: decoded, query: new URLSearchParams(query) };
}
