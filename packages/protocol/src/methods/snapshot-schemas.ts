// Parameter and result schemas of the domain snapshot methods (see snapshot-methods.ts).
import * as z from 'zod';
import { DomainRefSchema, FlagsSchema, RequestKeySchema, SnapshotListSchema, SnapshotRefSchema } from '../reference-schemas.js';
import { NAME_MAX_LENGTH } from '../references.js';
import { XML_MAX_LENGTH } from '../xml/xml-limits.js';
import type { MethodSchema } from './method-schema.js';
import type { snapshotMethods } from './snapshot-methods.js';

const snapshotAndFlags = z.strictObject({ snapshot: SnapshotRefSchema, flags: FlagsSchema });
const domainAndFlags = z.strictObject({ domain: DomainRefSchema, flags: FlagsSchema });
const snapshotChange = z.strictObject({ snapshot: SnapshotRefSchema, flags: FlagsSchema, requestKey: RequestKeySchema });

/**
 * Optional paging of snapshot lists (virtwire extension; libvirt caps lists at 16,384 instead).
 * Without it the whole list is returned.
 */
export const PageSchema = {
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
};

/** Schemas of {@link snapshotMethods}, by wire name. */
export const snapshotSchemas = {
  DomainSnapshotCreateXML: () => ({
    params: z.strictObject({ domain: DomainRefSchema, xml: z.string().max(XML_MAX_LENGTH), flags: FlagsSchema, requestKey: RequestKeySchema }),
    result: SnapshotRefSchema,
  }),
  DomainSnapshotLookupByName: () => ({
    params: z.strictObject({ domain: DomainRefSchema, name: z.string().min(1).max(NAME_MAX_LENGTH), flags: FlagsSchema }),
    result: SnapshotRefSchema,
  }),
  DomainSnapshotGetXMLDesc: () => ({ params: snapshotAndFlags, result: z.string() }),
  DomainSnapshotCurrent: () => ({ params: domainAndFlags, result: SnapshotRefSchema }),
  DomainHasCurrentSnapshot: () => ({ params: domainAndFlags, result: z.boolean() }),
  DomainListAllSnapshots: () => ({ params: z.strictObject({ domain: DomainRefSchema, flags: FlagsSchema, ...PageSchema }), result: SnapshotListSchema }),
  DomainSnapshotNum: () => ({ params: domainAndFlags, result: z.number().int() }),
  DomainSnapshotListAllChildren: () => ({
    params: z.strictObject({ snapshot: SnapshotRefSchema, flags: FlagsSchema, ...PageSchema }),
    result: SnapshotListSchema,
  }),
  DomainSnapshotNumChildren: () => ({ params: snapshotAndFlags, result: z.number().int() }),
  DomainSnapshotGetParent: () => ({ params: snapshotAndFlags, result: SnapshotRefSchema }),
  DomainSnapshotIsCurrent: () => ({ params: snapshotAndFlags, result: z.boolean() }),
  DomainSnapshotHasMetadata: () => ({ params: snapshotAndFlags, result: z.boolean() }),
  DomainRevertToSnapshot: () => ({ params: snapshotChange, result: z.null() }),
  DomainSnapshotDelete: () => ({ params: snapshotChange, result: z.null() }),
} satisfies { [N in keyof typeof snapshotMethods]: () => MethodSchema };
