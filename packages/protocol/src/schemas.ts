// @virtwire/protocol/schemas: the zod schemas of every method and wire type, which the daemon validates calls with.
export { methodSchemas } from './methods/method-schemas.js';
export type { MethodSchema } from './methods/method-schema.js';
export * from './reference-schemas.js';
export * from './capabilities-schema.js';
export { PageSchema } from './methods/snapshot-schemas.js';
export { DomainJobInfoSchema } from './methods/domain-schemas.js';
export { StorageVolRefSchema } from './methods/storage-schemas.js';
export { OpenRpcDocumentSchema } from './methods/discovery-schemas.js';
export { openRpcDocument, OPENRPC_VERSION } from './methods/openrpc-document.js';
export { DomainEventParamsSchema } from './methods/event-schemas.js';
