// @virtwire/protocol: the contract shared by virtwired, the SDK and vwsh. Browser-safe: no Node imports.
/**
 * The contract: libvirt flags and error numbers, the method table and its schemas, safe XML, the OpenRPC document.
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
export * from './methods/method-spec.js';
export * from './methods/method-schema.js';
export * from './methods/method-table.js';
export { methodSchemas } from './methods/method-schemas.js';
export { OpenRpcDocumentSchema, type OpenRpcDocument } from './methods/discovery-schemas.js';
export { openRpcDocument, OPENRPC_VERSION } from './methods/openrpc-document.js';
export { DomainJobType } from './methods/domain-methods.js';
export { DomainJobInfoSchema, type DomainJobInfo } from './methods/domain-schemas.js';
export { StorageVolRefSchema, type StorageVolRef } from './methods/storage-schemas.js';
export * from './xml/xml-limits.js';
export * from './xml/xml-tree.js';
export * from './xml/snapshot-xml.js';
export * from './xml/domain-xml.js';
export * from './xml/domain/domain-spec.js';
export { parseDomainSpec, type DomainParseOptions } from './xml/domain/domain-parse.js';
export { applyDomainDefaults, busForTarget, targetIndex, type DriverDefaults } from './xml/domain/domain-defaults.js';
export { buildDomainTree } from './xml/domain/domain-build.js';
export { formatDomainXml, formatWithDomains, presentableDomain, withoutSecrets, type DomainFormatOptions } from './xml/domain/domain-format.js';
export { TEST_DRIVER_DEFAULTS, QEMU_DRIVER_DEFAULTS } from './xml/domain/driver-defaults.js';
export { parseMemoryKiB } from './xml/domain/scaled-memory.js';
export { qemuDriverDefaults, type QemuHostFacts } from './xml/domain/qemu-defaults.js';
export * from './flags/domain-state-reasons.js';
