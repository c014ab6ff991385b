// @virtwire/client core: runtime-neutral SDK (browsers pass nothing; Node's entry point injects ws). No Node imports.
/**
 * The SDK without Node: what browsers and bundlers get from `@virtwire/client` (native WebSocket, token in the subprotocol).
 * @module @virtwire/client/browser
 */
export { connect, Connection, TOKEN_SUBPROTOCOL_PREFIX, type ConnectOptions, type CallOptions } from './core/connection.js';
export type { ReconnectInfo, ReconnectOptions } from './core/reconnect.js';
export { Domain, type ListPage } from './core/domain.js';
export { ByteStream } from './core/byte-stream.js';
export { DomainSnapshot } from './core/domain-snapshot.js';
export { DomainEventSubscription, DomainEventMessage, EventBufferOverflowError, MAX_BUFFERED_EVENTS } from './core/domain-event-subscription.js';
export { ConnectionClosedError, CallTimeoutError, CallAbortedError } from './core/errors.js';
export { resolveConnectionUri, type ResolvedUri } from './core/connection-uri.js';
export type { WebSocketFactory, WebSocketLike } from './core/web-socket-like.js';
export * from '@virtwire/protocol';
