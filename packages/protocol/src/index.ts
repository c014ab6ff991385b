// @virtwire/protocol: the contract shared by virtwired, the SDK and vwsh. Browser-safe (no Node imports) and light:
// no zod and no XML parser at run time (those are the `./schemas` and `./xml` entry points).
/**
 * The contract: libvirt flags and error numbers, the method table, the checks both ends apply.
 * Its zod schemas and OpenRPC document are `@virtwire/protocol/schemas`, safe XML `@virtwire/protocol/xml`.
 * @module @virtwire/protocol
 */
export * from './version.js';
export * from './references.js';
export * from './own-key.js';
export * from './object-name.js';
export * from './capabilities.js';
export * from './call-checks.js';
export * from './errors/error-number.js';
export * from './errors/error-domain.js';
export * from './errors/jsonrpc-codes.js';
export * from './errors/vir-error.js';
export * from './flags/flag-set.js';
export * from './flags/flag-rules.js';
export * from './flags/snapshot-flags.js';
export * from './flags/domain-flags.js';
export * from './flags/domain-lifecycle-flags.js';
export * from './flags/domain-console-flags.js';
export * from './methods/method-spec.js';
export * from './methods/method-table.js';
export * from './methods/cancel-request.js';
export type { OpenRpcDocument } from './methods/discovery-schemas.js';
export { DomainJobType } from './methods/domain-methods.js';
export type { DomainJobInfo } from './methods/domain-schemas.js';
export type { StorageVolRef } from './methods/storage-schemas.js';
export * from './xml/xml-limits.js';
export * from './flags/domain-state-reasons.js';
export * from './events/domain-event-id.js';
export * from './events/lifecycle-event.js';
export * from './events/domain-event.js';
export { MAX_EVENT_CALLBACKS_PER_CONNECTION } from './methods/event-methods.js';
export * from './flags/domain-job-flags.js';
