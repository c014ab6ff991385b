// The WebSocket upgrade, checked in order: admission, subprotocol, Origin, capacity, then authentication.
import { SUBPROTOCOL } from '@virtwire/protocol';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';
import { offeredSubprotocols, presentedOrigin, presentedToken } from '../auth/bearer-credentials.js';
import type { Principal } from '../auth/principal.js';
import type { TokenStore } from '../auth/token-store.js';
import type { AdmittedSocket, ConnectionGate } from './connection-gate.js';
import { refuseUpgrade } from './http-reject.js';
import type { OpenListener } from './listeners.js';

/** What the upgrade handler needs from the daemon. */
export interface UpgradeContext {
  readonly wss: WebSocketServer;
  readonly gate: ConnectionGate;
  readonly tokens: TokenStore;
  /** Exact origins browsers may connect from. */
  readonly allowedOrigins: ReadonlySet<string>;
  /** True for the origin of a page the listener serves itself (the web console); absent when it serves none. */
  readonly ownOrigin?: (listener: OpenListener, request: IncomingMessage, origin: string) => boolean;
  readonly maxConnections: number;
  readonly maxConnectionsPerPrincipal: number;
  /** Open connections counted against `maxConnections` (every listener but the read-write socket). */
  readonly openConnections: () => number;
  /** Open connections of one principal (by {@link principalKey}). */
  readonly openConnectionsOf: (key: string) => number;
  readonly log: Logger;
  /** Called with every accepted WebSocket and who it belongs to. */
  readonly onOpen: (socket: WebSocket, principal: Principal, admitted: AdmittedSocket, stream: Duplex) => void;
}

const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="virtwired"' };

/** What per-principal caps count by: the token (by digest), or the unix socket's kind of principal. */
export function principalKey(principal: Principal): string {
  return principal.tokenDigest ? `token:${principal.tokenDigest.toString('hex')}` : principal.name;
}

/** The principal of a unix-socket connection: the socket's file mode already decided who may connect. */
function unixPrincipal(listener: OpenListener): Principal {
  return listener.readOnly ? { name: 'unix-ro', readOnly: true } : { name: 'unix', readOnly: false };
}

/**
 * Handles `upgrade` on one listener. Nothing is read from the WebSocket before every check passed;
 * refusals are plain HTTP statuses (400 subprotocol, 403 Origin, 401 token, 503 capacity). Tokens
 * are never logged and never echoed: the daemon selects only `virtwire.v1`.
 */
export function upgradeHandler(listener: OpenListener, context: UpgradeContext) {
  const { gate } = context;
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const admitted = gate.lookup(socket);
    if (!admitted) {
      socket.destroy();
      return;
    }
    const log = gate.logFor(admitted.peer);
    void authorize(listener, context, request).then(
      (outcome) => {
        if (socket.destroyed) return;
        if ('refuse' in outcome) {
          const fields = { peer: admitted.peer, listener: listener.address, status: outcome.refuse[0] };
          if (outcome.origin === undefined) log.info(fields, 'upgrade refused');
          else log.warn({ ...fields, origin: outcome.origin }, refusedOriginMessage(outcome.origin));
          refuseUpgrade(socket, ...outcome.refuse);
          return;
        }
        // The read-write socket (0600: its owner only) is outside the shared total, so nobody can lock its owner out.
        const ownerSocket = listener.spec.kind === 'unix' && !listener.readOnly;
        if (!ownerSocket && context.openConnections() >= context.maxConnections) {
          log.warn({ peer: admitted.peer, limit: context.maxConnections }, 'connection limit reached; refusing');
          refuseUpgrade(socket, 503, 'Service Unavailable');
          return;
        }
        if (context.openConnectionsOf(principalKey(outcome.principal)) >= context.maxConnectionsPerPrincipal) {
          log.warn(
            { peer: admitted.peer, principal: outcome.principal.name, limit: context.maxConnectionsPerPrincipal },
            'connection limit of this principal reached; refusing',
          );
          refuseUpgrade(socket, 503, 'Service Unavailable (too many connections for these credentials)');
          return;
        }
        context.wss.handleUpgrade(request, socket, head, (ws) => {
          admitted.settle();
          context.onOpen(ws, outcome.principal, admitted, socket);
        });
      },
      (error: unknown) => {
        log.error({ err: error }, 'upgrade check failed');
        refuseUpgrade(socket, 500, 'Internal Server Error');
      },
    );
  };
}

/** A refusal names the browser origin it refused, for the log. */
type Outcome = { principal: Principal } | { refuse: [number, string, Record<string, string>?]; origin?: string };

/** Longest origin quoted in the log (the header is the client's text). */
const MAX_LOGGED_ORIGIN = 256;

/** The 403 log line: which origin, and how the administrator lets a page of theirs in. */
function refusedOriginMessage(origin: string): string {
  const shown = JSON.stringify(origin.slice(0, MAX_LOGGED_ORIGIN));
  return `upgrade refused: origin ${shown} is not allowed (if a page of yours runs there, start virtwired with --allow-origin ${shown})`;
}

async function authorize(listener: OpenListener, context: UpgradeContext, request: IncomingMessage): Promise<Outcome> {
  if (!offeredSubprotocols(request).includes(SUBPROTOCOL)) {
    return { refuse: [400, `Bad Request (subprotocol ${SUBPROTOCOL} required)`] };
  }
  const origin = presentedOrigin(request);
  if (origin === 'conflict') return { refuse: [403, 'Forbidden (origin not allowed)'] };
  if (origin !== undefined && !context.allowedOrigins.has(origin) && !context.ownOrigin?.(listener, request, origin))
    return { refuse: [403, 'Forbidden (origin not allowed)'], origin };
  if (!listener.requiresToken) return { principal: unixPrincipal(listener) };
  const presented = presentedToken(request);
  if (presented.kind !== 'token') return { refuse: [401, 'Unauthorized', BEARER_CHALLENGE] };
  const principal = context.tokens.verify(presented.token);
  if (!principal) return { refuse: [401, 'Unauthorized', BEARER_CHALLENGE] };
  return { principal };
}
