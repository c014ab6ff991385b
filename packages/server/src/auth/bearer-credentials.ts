// Finds the bearer token of a WebSocket upgrade, from the raw headers: an `Authorization: Bearer` header or a `bearer.virtwire.` subprotocol entry.
import type { IncomingMessage } from 'node:http';

/** The subprotocol prefix browsers use to carry a token (they cannot set headers on a WebSocket). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.virtwire.';

/** The token a request presents: none, exactly one, or a conflict (several, or a header that is not one bearer token). */
export type PresentedToken = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'conflict' };

/**
 * Every value of header `name`, as sent. Node's `request.headers` keeps only the first of some
 * repeated headers (`Authorization` among them) and joins others, so security decisions read the
 * raw list: a second `Authorization` header must not hide behind the first.
 */
export function rawHeaderValues(request: IncomingMessage, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === wanted) values.push(raw[i + 1]!);
  return values;
}

/** The subprotocol entries a request offers, over every `Sec-WebSocket-Protocol` header, trimmed. */
export function offeredSubprotocols(request: IncomingMessage): string[] {
  return rawHeaderValues(request, 'sec-websocket-protocol')
    .flatMap((header) => header.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** `Bearer <token>`, the scheme in any case, one token of RFC 6750's token68 characters. */
const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/**
 * Extracts the bearer token without logging or echoing it; the caller verifies it. More than one
 * `Authorization` header, one that is not exactly one bearer token, or different tokens in the
 * header and the subprotocol are a conflict, refused whatever the tokens are.
 */
export function presentedToken(request: IncomingMessage): PresentedToken {
  const found = new Set<string>();
  const authorizations = rawHeaderValues(request, 'authorization');
  if (authorizations.length > 1) return { kind: 'conflict' };
  if (authorizations.length === 1) {
    const match = BEARER.exec(authorizations[0]!);
    if (!match) return { kind: 'conflict' };
    found.add(match[1]!);
  }
  for (const entry of offeredSubprotocols(request)) {
    if (entry.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) found.add(entry.slice(TOKEN_SUBPROTOCOL_PREFIX.length));
  }
  if (found.size === 0) return { kind: 'none' };
  if (found.size > 1) return { kind: 'conflict' };
  return { kind: 'token', token: [...found][0]! };
}

/** The request's `Origin`: absent, exactly one value, or `conflict` when several were sent. */
export function presentedOrigin(request: IncomingMessage): string | undefined | 'conflict' {
  const origins = rawHeaderValues(request, 'origin');
  if (origins.length > 1) return 'conflict';
  return origins[0];
}
