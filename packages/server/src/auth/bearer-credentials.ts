// Finds the bearer token of a WebSocket upgrade: an `Authorization: Bearer` header or a `bearer.virtwire.` subprotocol entry.
import type { IncomingMessage } from 'node:http';

/** The subprotocol prefix browsers use to carry a token (they cannot set headers on a WebSocket). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.virtwire.';

/** The token a request presents: none, exactly one, or a conflict (several different ones). */
export type PresentedToken = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'conflict' };

/** The subprotocol entries a request offers, trimmed. */
export function offeredSubprotocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  if (header === undefined) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Extracts the bearer token without logging or echoing it; the caller verifies it. */
export function presentedToken(request: IncomingMessage): PresentedToken {
  const found = new Set<string>();
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
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
