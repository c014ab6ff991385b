// Domain snapshot methods: create, look up, inspect, list, revert to and delete snapshots.
import { ErrorDomain } from '../errors/error-domain.js';
import { DomainJobOperation } from '../flags/domain-job-flags.js';
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
import { defineMethod } from './method-spec.js';

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
    xml: 'snapshot',
    precheck: 'atomic-snapshot',
    jobOperation: DomainJobOperation.Snapshot,
  }),
  /** `virDomainSnapshotLookupByName`. */
  DomainSnapshotLookupByName: defineMethod({
    libvirt: 'virDomainSnapshotLookupByName',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
  }),
  /** `virDomainSnapshotGetXMLDesc`; SECURE needs a read-write connection. */
  DomainSnapshotGetXMLDesc: defineMethod({
    libvirt: 'virDomainSnapshotGetXMLDesc',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flagPermissions: [{ flag: DomainSnapshotXMLFlags.Secure, permission: 'read_secure' }],
    flags: DomainSnapshotXMLFlagSet,
  }),
  /** `virDomainSnapshotCurrent`. */
  DomainSnapshotCurrent: defineMethod({
    libvirt: 'virDomainSnapshotCurrent',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
  }),
  /** `virDomainHasCurrentSnapshot`. */
  DomainHasCurrentSnapshot: defineMethod({
    libvirt: 'virDomainHasCurrentSnapshot',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
  }),
  /** `virDomainListAllSnapshots`, with optional paging. */
  DomainListAllSnapshots: defineMethod({
    libvirt: 'virDomainListAllSnapshots',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
  }),
  /** `virDomainSnapshotNum`. */
  DomainSnapshotNum: defineMethod({
    libvirt: 'virDomainSnapshotNum',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
  }),
  /** `virDomainSnapshotListAllChildren`, with optional paging. */
  DomainSnapshotListAllChildren: defineMethod({
    libvirt: 'virDomainSnapshotListAllChildren',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
  }),
  /** `virDomainSnapshotNumChildren`. */
  DomainSnapshotNumChildren: defineMethod({
    libvirt: 'virDomainSnapshotNumChildren',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
    flags: DomainSnapshotListFlagSet,
  }),
  /** `virDomainSnapshotGetParent`. */
  DomainSnapshotGetParent: defineMethod({
    libvirt: 'virDomainSnapshotGetParent',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
  }),
  /** `virDomainSnapshotIsCurrent`. */
  DomainSnapshotIsCurrent: defineMethod({
    libvirt: 'virDomainSnapshotIsCurrent',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
  }),
  /** `virDomainSnapshotHasMetadata`. */
  DomainSnapshotHasMetadata: defineMethod({
    libvirt: 'virDomainSnapshotHasMetadata',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'read',
  }),
  /** `virDomainRevertToSnapshot`. */
  DomainRevertToSnapshot: defineMethod({
    libvirt: 'virDomainRevertToSnapshot',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'write',
    flags: DomainSnapshotRevertFlagSet,
    rules: [exclusive(Revert.Running, Revert.Paused)],
    jobOperation: DomainJobOperation.SnapshotRevert,
  }),
  /** `virDomainSnapshotDelete`. */
  DomainSnapshotDelete: defineMethod({
    libvirt: 'virDomainSnapshotDelete',
    errorDomain: ErrorDomain.DomainSnapshot,
    permission: 'write',
    flags: DomainSnapshotDeleteFlagSet,
    rules: [exclusive(Delete.Children, Delete.ChildrenOnly)],
    jobOperation: DomainJobOperation.SnapshotDelete,
  }),
};
