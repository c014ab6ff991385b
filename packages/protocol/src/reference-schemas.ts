// zod schemas of the wire references (libvirt's remote_nonnull_domain and _domain_snapshot) and of flags.
import * as z from 'zod';
import { NAME_MAX_LENGTH, UUID_PATTERN } from './references.js';

/** A UUID in libvirt's canonical text form. */
export const UuidSchema = z.string().regex(UUID_PATTERN, 'expected a UUID');

/** `remote_nonnull_domain`: a domain's name, UUID and id (-1 when inactive). */
export const DomainRefSchema = z.strictObject({
  name: z.string().min(1).max(NAME_MAX_LENGTH),
  uuid: UuidSchema,
  id: z.number().int().min(-1).max(0x7fffffff),
});

/** `remote_nonnull_domain_snapshot`: a snapshot's name and its domain. */
export const SnapshotRefSchema = z.strictObject({
  name: z.string().min(1).max(NAME_MAX_LENGTH),
  domain: DomainRefSchema,
});

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

/** Flags as libvirt's `unsigned int`; omitted means 0. */
export const FlagsSchema = z.number().int().min(0).max(0xffffffff).default(0);

/**
 * An optional request key on a state-changing call (virtwire extension): a retry with the same key
 * (from the same principal, on the same host) gets the first call's outcome, or joins it while it
 * runs, instead of running twice. 1 to 128 characters of `A-Z a-z 0-9 . _ : -`.
 */
export const RequestKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/)
  .optional();
