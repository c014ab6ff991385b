// How domains and snapshots are named on the wire: libvirt's remote_nonnull_domain and _domain_snapshot (zod-free; schemas in reference-schemas.ts).
import type { z } from 'zod';
import type { DomainRefSchema, SnapshotListSchema, SnapshotRefSchema } from './reference-schemas.js';

/** Bounds on identifiers carried in references. */
export const NAME_MAX_LENGTH = 1024;

/**
 * A UUID in libvirt's canonical text form, either case (spelled out: a JSON Schema pattern, as
 * rpc.discover shows it, has no `i` flag).
 */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A domain reference (`remote_nonnull_domain`): name, UUID and id (-1 when inactive). */
export type DomainRef = z.infer<typeof DomainRefSchema>;

/** A snapshot reference (`remote_nonnull_domain_snapshot`): its name and its domain. */
export type SnapshotRef = z.infer<typeof SnapshotRefSchema>;

/** A list of one domain's snapshots, named once for the whole list (`@virtwire/protocol/schemas` has its schema). */
export type SnapshotList = z.infer<typeof SnapshotListSchema>;
