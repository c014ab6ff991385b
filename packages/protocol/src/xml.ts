// @virtwire/protocol/xml: bounded, safe XML parsing and formatting, and libvirt's snapshot and domain XML models.
export * from './xml/xml-tree.js';
export * from './xml/snapshot-xml.js';
export * from './xml/snapshot-disk-xml.js';
export * from './xml/domain-xml.js';
export * from './xml/domain/domain-spec.js';
export { parseDomainSpec, type DomainParseOptions } from './xml/domain/domain-parse.js';
export { applyDomainDefaults, busForTarget, targetIndex, type DriverDefaults } from './xml/domain/domain-defaults.js';
export { buildDomainTree } from './xml/domain/domain-build.js';
export { formatDomainXml, formatWithDomains, presentableDomain, withoutSecrets, type DomainFormatOptions } from './xml/domain/domain-format.js';
export { TEST_DRIVER_DEFAULTS, QEMU_DRIVER_DEFAULTS } from './xml/domain/driver-defaults.js';
export { parseMemoryKiB } from './xml/domain/scaled-memory.js';
export { qemuDriverDefaults, type QemuHostFacts } from './xml/domain/qemu-defaults.js';
export { DOMAIN_SCHEMA } from './xml/schema/domain-schema.js';
export type { DocumentSchema, ElementRule } from './xml/schema/xml-schema.js';
