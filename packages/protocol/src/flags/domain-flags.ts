// libvirt's domain flag enums (include/libvirt/libvirt-domain.h) used by virtwire's domain methods.
import { flagSet } from './flag-set.js';

/** `virDomainXMLFlags`, the flags of `virDomainGetXMLDesc`. */
export const DomainXMLFlags = {
  /** `VIR_DOMAIN_XML_SECURE`: include security-sensitive data. */
  Secure: 1 << 0,
  /** `VIR_DOMAIN_XML_INACTIVE`: the persistent definition, not the live one. */
  Inactive: 1 << 1,
  /** `VIR_DOMAIN_XML_UPDATE_CPU`. */
  UpdateCpu: 1 << 2,
  /** `VIR_DOMAIN_XML_MIGRATABLE`. */
  Migratable: 1 << 3,
} as const;
/** The {@link DomainXMLFlags} enum as a flag set. */
export const DomainXMLFlagSet = flagSet('VIR_DOMAIN_XML_', DomainXMLFlags);

/** `virConnectListAllDomainsFlags`, the filters of `virConnectListAllDomains`. */
export const ConnectListAllDomainsFlags = {
  Active: 1 << 0,
  Inactive: 1 << 1,
  Persistent: 1 << 2,
  Transient: 1 << 3,
  Running: 1 << 4,
  Paused: 1 << 5,
  Shutoff: 1 << 6,
  Other: 1 << 7,
  Managedsave: 1 << 8,
  NoManagedsave: 1 << 9,
  Autostart: 1 << 10,
  NoAutostart: 1 << 11,
  HasSnapshot: 1 << 12,
  NoSnapshot: 1 << 13,
  HasCheckpoint: 1 << 14,
  NoCheckpoint: 1 << 15,
} as const;
/** The {@link ConnectListAllDomainsFlags} enum as a flag set. */
export const ConnectListAllDomainsFlagSet = flagSet('VIR_CONNECT_LIST_DOMAINS_', ConnectListAllDomainsFlags);

/** `virDomainState`: what a domain is doing. */
export const DomainState = {
  NoState: 0,
  Running: 1,
  Blocked: 2,
  Paused: 3,
  Shutdown: 4,
  Shutoff: 5,
  Crashed: 6,
  PmSuspended: 7,
} as const;
/** A value of {@link DomainState}. */
export type DomainStateValue = (typeof DomainState)[keyof typeof DomainState];

/** `virConnectFlags` given to `virConnectOpenAuth`. */
export const ConnectFlags = {
  /** `VIR_CONNECT_RO`: a read-only connection. */
  ReadOnly: 1 << 0,
  /** `VIR_CONNECT_NO_ALIASES`. */
  NoAliases: 1 << 1,
} as const;
/** The {@link ConnectFlags} enum as a flag set. */
export const ConnectFlagSet = flagSet('VIR_CONNECT_', ConnectFlags);
