// libvirt's domain snapshot flag enums (include/libvirt/libvirt-domain-snapshot.h) with libvirt's values.
import { flagSet } from './flag-set.js';

/** `virDomainSnapshotCreateFlags`, the flags of `virDomainSnapshotCreateXML`. */
export const DomainSnapshotCreateFlags = {
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE`: restore or alter metadata instead of taking a snapshot. */
  Redefine: 1 << 0,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT`: with REDEFINE, make the snapshot current. */
  Current: 1 << 1,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA`: change the disks but keep no metadata. */
  NoMetadata: 1 << 2,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_HALT`: stop the domain after the snapshot. */
  Halt: 1 << 3,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY`: disks only, no VM state. */
  DiskOnly: 1 << 4,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT`: external destination files already exist. */
  ReuseExt: 1 << 5,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE`: freeze guest filesystems through the guest agent. */
  Quiesce: 1 << 6,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC`: every disk changes as a group, or none does. */
  Atomic: 1 << 7,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_LIVE`: keep the guest running while saving its memory. */
  Live: 1 << 8,
  /** `VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE`: validate the XML against the schema. */
  Validate: 1 << 9,
} as const;
/** The {@link DomainSnapshotCreateFlags} enum as a flag set. */
export const DomainSnapshotCreateFlagSet = flagSet('VIR_DOMAIN_SNAPSHOT_CREATE_', DomainSnapshotCreateFlags);

/** `virDomainSnapshotListFlags`, for listing and counting snapshots and their children. */
export const DomainSnapshotListFlags = {
  /** `VIR_DOMAIN_SNAPSHOT_LIST_ROOTS`: only snapshots without a parent (when listing a domain). */
  Roots: 1 << 0,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS`: all descendants, not just children (same bit as ROOTS). */
  Descendants: 1 << 0,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_METADATA`. */
  Metadata: 1 << 1,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_LEAVES`. */
  Leaves: 1 << 2,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES`. */
  NoLeaves: 1 << 3,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA`. */
  NoMetadata: 1 << 4,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE`: snapshots of a shut-off domain. */
  Inactive: 1 << 5,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE`: snapshots of a running domain. */
  Active: 1 << 6,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY`. */
  DiskOnly: 1 << 7,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL`. */
  Internal: 1 << 8,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL`. */
  External: 1 << 9,
  /** `VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL`: parents before children. */
  Topological: 1 << 10,
} as const;
/** The {@link DomainSnapshotListFlags} enum as a flag set. */
export const DomainSnapshotListFlagSet = flagSet('VIR_DOMAIN_SNAPSHOT_LIST_', DomainSnapshotListFlags);

/** `virDomainSnapshotRevertFlags`, the flags of `virDomainRevertToSnapshot`. */
export const DomainSnapshotRevertFlags = {
  /** `VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING`. */
  Running: 1 << 0,
  /** `VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED`. */
  Paused: 1 << 1,
  /** `VIR_DOMAIN_SNAPSHOT_REVERT_FORCE`: allow risky reverts. */
  Force: 1 << 2,
  /** `VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM`. */
  ResetNvram: 1 << 3,
} as const;
/** The {@link DomainSnapshotRevertFlags} enum as a flag set. */
export const DomainSnapshotRevertFlagSet = flagSet('VIR_DOMAIN_SNAPSHOT_REVERT_', DomainSnapshotRevertFlags);

/** `virDomainSnapshotDeleteFlags`, the flags of `virDomainSnapshotDelete`. */
export const DomainSnapshotDeleteFlags = {
  /** `VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN`: also delete all descendants. */
  Children: 1 << 0,
  /** `VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY`: drop metadata, keep the data. */
  MetadataOnly: 1 << 1,
  /** `VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY`: delete descendants only. */
  ChildrenOnly: 1 << 2,
} as const;
/** The {@link DomainSnapshotDeleteFlags} enum as a flag set. */
export const DomainSnapshotDeleteFlagSet = flagSet('VIR_DOMAIN_SNAPSHOT_DELETE_', DomainSnapshotDeleteFlags);

/** `virDomainSnapshotXMLFlags`, the flags of `virDomainSnapshotGetXMLDesc`. */
export const DomainSnapshotXMLFlags = {
  /** `VIR_DOMAIN_SNAPSHOT_XML_SECURE`: include security-sensitive data. */
  Secure: 1 << 0,
} as const;
/** The {@link DomainSnapshotXMLFlags} enum as a flag set. */
export const DomainSnapshotXMLFlagSet = flagSet('VIR_DOMAIN_SNAPSHOT_XML_', DomainSnapshotXMLFlags);
