// Domain snapshot methods: create, look up, inspect, list, revert to and delete snapshots.
import { z } from 'zod';
import { ErrorDomain } from '../errors/error-domain.js';
import { exclusive, requires } from '../flags/flag-rules.js';
import {
  DomainSnapshotCreateFlagSet,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlagSet,
  DomainSnapshotDeleteFlags as Delete,
  DomainSnapshotListFlagSet,
  DomainSnapshotRevertFlagSet,
  DomainSnapshotRevertFlags as Revert,
  DomainSnapshotXMLFlagSet,
  DomainSnapshotXMLFlags,
} from '../flags/snapshot-flags.js';
import { DomainRefSchema, FlagsSchema, NAME_MAX_LENGTH, SnapshotListSchema, SnapshotRefSchema } from '../references.js';
import { XML_MAX_LENGTH } from '../xml/xml-limits.js';
import { defineMethod } from './define-method.js';

const snapshotAndFlags = z.strictObject({ snapshot: SnapshotRefSchema, flags: FlagsSchema });
const domainAndFlags = z.strictObject({ domain: DomainRefSchema, flags: FlagsSchema });

/**
 * Optional paging of snapshot lists (virtwire extension; libvirt caps lists at 16,384 instead).
 * Without it the whole list is returned.
 */
export const PageSchema = {
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
};

/** Domain snapshot methods, by wire name. libvirt raises their generic errors in VIR_FROM_DOMAIN_SNAPSHOT. */
export const snapshotMethods = {
  /** `virDomainSnapshotCreateXML`: the heart of virtwire. */
  DomainSnapshotCreateXML: defineMethod({
    libvirt: 'virDomainSnapshotCreateXML',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'write',
    flagPermissions: [{ flag: Create.Quiesce, permission: 'fs_freeze' }],
    flags: DomainSnapshotCreateFlagSet,
    rules: [requires(Create.Current, Create.Redefine), exclusive(Create.Redefine, Create.NoMetadata), exclusive(Create.Redefine, Create.Halt)],
    params: z.strictObject({ domain: DomainRefSchema, xml: z.string().max(XML_MAX_LENGTH), flags: FlagsSchema }),
    result: SnapshotRefSchema,
  }),
  /** `virDomainSnapshotLookupByName`. */
  DomainSnapshotLookupByName: defineMethod({
    libvirt: 'virDomainSnapshotLookupByName',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    params: z.strictObject({ domain: DomainRefSchema, name: z.string().min(1).max(NAME_MAX_LENGTH), flags: FlagsSchema }),
    result: SnapshotRefSchema,
  }),
  /** `virDomainSnapshotGetXMLDesc`; SECURE needs a read-write connection. */
  DomainSnapshotGetXMLDesc: defineMethod({
    libvirt: 'virDomainSnapshotGetXMLDesc',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flagPermissions: [{ flag: DomainSnapshotXMLFlags.Secure, permission: 'read_secure' }],
    flags: DomainSnapshotXMLFlagSet,
    params: snapshotAndFlags,
    result: z.string(),
  }),
  /** `virDomainSnapshotCurrent`. */
  DomainSnapshotCurrent: defineMethod({
    libvirt: 'virDomainSnapshotCurrent',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    params: domainAndFlags,
    result: SnapshotRefSchema,
  }),
  /** `virDomainHasCurrentSnapshot`. */
  DomainHasCurrentSnapshot: defineMethod({
    libvirt: 'virDomainHasCurrentSnapshot',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    params: domainAndFlags,
    result: z.boolean(),
  }),
  /** `virDomainListAllSnapshots`, with optional paging. */
  DomainListAllSnapshots: defineMethod({
    libvirt: 'virDomainListAllSnapshots',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
    params: z.strictObject({ domain: DomainRefSchema, flags: FlagsSchema, ...PageSchema }),
    result: SnapshotListSchema,
  }),
  /** `virDomainSnapshotNum`. */
  DomainSnapshotNum: defineMethod({
    libvirt: 'virDomainSnapshotNum',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
    params: domainAndFlags,
    result: z.number().int(),
  }),
  /** `virDomainSnapshotListAllChildren`, with optional paging. */
  DomainSnapshotListAllChildren: defineMethod({
    libvirt: 'virDomainSnapshotListAllChildren',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
    params: z.strictObject({ snapshot: SnapshotRefSchema, flags: FlagsSchema, ...PageSchema }),
    result: SnapshotListSchema,
  }),
  /** `virDomainSnapshotNumChildren`. */
  DomainSnapshotNumChildren: defineMethod({
    libvirt: 'virDomainSnapshotNumChildren',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
    params: snapshotAndFlags,
    result: z.number().int(),
  }),
  /** `virDomainSnapshotGetParent`. */
  DomainSnapshotGetParent: defineMethod({
    libvirt: 'virDomainSnapshotGetParent',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    params: snapshotAndFlags,
    result: SnapshotRefSchema,
  }),
  /** `virDomainSnapshotIsCurrent`. */
  DomainSnapshotIsCurrent: defineMethod({
    libvirt: 'virDomainSnapshotIsCurrent',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    params: snapshotAndFlags,
    result: z.boolean(),
  }),
  /** `virDomainSnapshotHasMetadata`. */
  DomainSnapshotHasMetadata: defineMethod({
    libvirt: 'virDomainSnapshotHasMetadata',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    params: snapshotAndFlags,
    result: z.boolean(),
  }),
  /** `virDomainRevertToSnapshot`. */
  DomainRevertToSnapshot: defineMethod({
    libvirt: 'virDomainRevertToSnapshot',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'write',
    flags: DomainSnapshotRevertFlagSet,
    rules: [exclusive(Revert.Running, Revert.Paused)],
    params: snapshotAndFlags,
    result: z.null(),
  }),
  /** `virDomainSnapshotDelete`. */
  DomainSnapshotDelete: defineMethod({
    libvirt: 'virDomainSnapshotDelete',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'write',
    flags: DomainSnapshotDeleteFlagSet,
    rules: [exclusive(Delete.Children, Delete.ChildrenOnly)],
    params: snapshotAndFlags,
    result: z.null(),
  }),
};
