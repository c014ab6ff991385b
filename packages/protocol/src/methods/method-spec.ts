// The shape of one method's specification: wire name, permissions, flags, rules and the libvirt function it mirrors.
import type { FlagRule } from '../flags/flag-rules.js';
import type { FlagSet } from '../flags/flag-set.js';

/**
 * What a caller needs to call a method, checked before anything else is read (libvirt's `@acl`):
 * `connect` may be called before ConnectOpen; `read` by read-only principals; `write` only read-write.
 */
export type Permission = 'connect' | 'read' | 'write';

/** An extra permission a flag adds, as libvirt's `@acl: domain:read_secure:VIR_DOMAIN_XML_SECURE`. */
export interface FlagPermission {
  readonly flag: number;
  /** `read_secure` is refused to read-only principals; `fs_freeze` needs a read-write principal. */
  readonly permission: 'read_secure' | 'fs_freeze';
}

/**
 * One method of the protocol, as both ends need it at run time (libvirt's remote_protocol.x
 * annotations). Its parameter and result schemas are declared beside it, by the same wire name, in
 * the group's `*-schemas.ts` file: the SDK never runs them, so a browser bundle leaves them out.
 */
export interface MethodSpec {
  /**
   * The libvirt public function this mirrors, e.g. `virDomainSnapshotCreateXML`; for a JSON-RPC system
   * extension, which libvirt has no counterpart of, its own `rpc.` name.
   */
  readonly libvirt: string;
  /** The `VIR_FROM_THIS` of libvirt's public API file that raises its generic errors. */
  readonly errorDomain: number;
  readonly permission: Permission;
  readonly flagPermissions: readonly FlagPermission[];
  /** The flag enum of its `flags` parameter, or null for methods without flags. */
  readonly flags: FlagSet | null;
  /** libvirt's public-API flag rules, applied in order before the driver is called. */
  readonly rules: readonly FlagRule[];
  /** Who answers: the daemon itself, or the hypervisor driver of the connection. */
  readonly handledBy: 'daemon' | 'driver';
  /**
   * What a write call locks besides the domain its params name (`domain`, `snapshot.domain`), which
   * every write call's job locks: `defined-domain`, the existing domain its XML redefines.
   */
  readonly locks?: 'defined-domain';
  /** What its `xml` parameter holds, for the daemon's bounds before any parsing: a snapshot's disks count against `maxSnapshotDisks`. */
  readonly xml?: 'domain' | 'snapshot';
  /** A check the SDK makes before sending, beyond permissions and flags: `atomic-snapshot` reads the XML to refuse an ATOMIC request the driver cannot honour. */
  readonly precheck?: 'atomic-snapshot';
  /** The job operation it runs as (`virDomainJobOperation`), for job statistics and JOB_COMPLETED. */
  readonly jobOperation?: number;
}

/** Declares one method's specification; optional parts default to "none". */
export function defineMethod<H extends 'daemon' | 'driver' = 'driver'>(spec: {
  libvirt: string;
  errorDomain: number;
  permission: Permission;
  flagPermissions?: readonly FlagPermission[];
  flags?: FlagSet;
  rules?: readonly FlagRule[];
  handledBy?: H;
  locks?: 'defined-domain';
  xml?: 'domain' | 'snapshot';
  precheck?: 'atomic-snapshot';
  jobOperation?: number;
}): MethodSpec & { readonly handledBy: H } {
  return {
    flagPermissions: [],
    flags: null,
    rules: [],
    handledBy: 'driver',
    ...spec,
  } as MethodSpec & { readonly handledBy: H };
}
