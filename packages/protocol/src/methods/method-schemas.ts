// Every method's parameter and result schemas, by wire name: what the daemon validates calls with.
import { connectSchemas } from './connect-schemas.js';
import { consoleSchemas } from './console-schemas.js';
import { discoverySchemas } from './discovery-schemas.js';
import { domainSchemas } from './domain-schemas.js';
import { eventSchemas } from './event-schemas.js';
import { lazySchemas } from './lazy-schemas.js';
import type { MethodSchema } from './method-schema.js';
import type { MethodName } from './method-table.js';
import { snapshotSchemas } from './snapshot-schemas.js';
import { storageSchemas } from './storage-schemas.js';

/**
 * The schemas of every method in the method table, and of nothing else: each group's `satisfies`
 * refuses a missing or a stray name at compile time. Each method's are built when first read
 * (lazySchemas).
 */
export const methodSchemas = lazySchemas({
  ...connectSchemas,
  ...domainSchemas,
  ...snapshotSchemas,
  ...storageSchemas,
  ...eventSchemas,
  ...discoverySchemas,
  ...consoleSchemas,
} satisfies Record<MethodName, () => MethodSchema>);
