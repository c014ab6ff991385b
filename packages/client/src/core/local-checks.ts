// The checks a call passes locally before it is sent, made exactly as the daemon makes them: permission, flag rules, driver support and mask, the atomic capability.
import {
  atomicDiskLimit,
  checkAtomicRequest,
  checkDriverCall,
  checkFlagPermissions,
  checkMethodPermission,
  DomainSnapshotCreateFlags,
  isMethodName,
  JsonRpcErrorCode,
  jsonRpcErrorMessage,
  methods,
  type DriverCapabilities,
  type MethodName,
  type MethodSpec,
  type ParamsInput,
  type VirError,
} from '@virtwire/protocol';
import { toClientError } from './rpc-channel.js';
import { describeSnapshotRequest } from './snapshot-request.js';

/**
 * The client's local refusals (libvirt's remote driver refusing what the driver cannot honour), for
 * one ConnectOpen's capabilities: a connection makes new ones when a reconnection brings new
 * capabilities.
 */
export class LocalChecks {
  /** True when the driver makes every kind of snapshot atomically for any number of disks: no ATOMIC call needs its XML read. */
  private readonly atomicAlwaysHonoured: boolean;

  constructor(
    private readonly capabilities: DriverCapabilities,
    private readonly readOnly: boolean,
  ) {
    this.atomicAlwaysHonoured = everyAtomicKindUnlimited(capabilities);
  }

  /**
   * The error the daemon would give for this call before reaching the driver, if any: at once, or
   * (only for an ATOMIC snapshot whose XML must be read) as a promise. A name the protocol table
   * lacks (from untyped code) is refused as the daemon refuses it: method not found.
   */
  refusal<N extends MethodName>(name: N, params: ParamsInput<N>): VirError | undefined | Promise<VirError | undefined> {
    return this.immediateRefusal(name, params) ?? (this.needsAtomicCheck(name, params) ? this.atomicRefusal(params) : undefined);
  }

  /** The checks that need nothing but the method table and the capabilities: name, permission, flag rules, driver support and mask. */
  private immediateRefusal(name: MethodName, params: unknown): VirError | undefined {
    if (!isMethodName(name)) return toClientError({ code: JsonRpcErrorCode.MethodNotFound, message: jsonRpcErrorMessage[JsonRpcErrorCode.MethodNotFound] });
    const definition: MethodSpec = methods[name];
    const flags = (params as { flags?: number } | undefined)?.flags ?? 0;
    return (
      checkMethodPermission(definition, this.readOnly) ??
      checkFlagPermissions(definition, flags, this.readOnly) ??
      checkDriverCall(name, definition, flags, this.capabilities)
    );
  }

  /** True for an ATOMIC call of a method with the `atomic-snapshot` pre-check, on a driver with a finite atomic disk limit for some kind: its XML must be read. */
  private needsAtomicCheck(name: MethodName, params: unknown): boolean {
    const flags = (params as { flags?: number } | undefined)?.flags ?? 0;
    return methods[name].precheck === 'atomic-snapshot' && !this.atomicAlwaysHonoured && (flags & DomainSnapshotCreateFlags.Atomic) !== 0;
  }

  /** libvirt's refusal of an atomic snapshot of more disks than the driver changes as a group (reads the XML). */
  private async atomicRefusal(params: unknown): Promise<VirError | undefined> {
    const { domain, xml, flags = 0 } = params as ParamsInput<'DomainSnapshotCreateXML'>;
    const request = await describeSnapshotRequest(domain, xml, flags);
    return request ? checkAtomicRequest(this.capabilities, request) : undefined;
  }
}

/** True when no combination of location, scope and state has a finite atomic disk limit. */
function everyAtomicKindUnlimited(capabilities: DriverCapabilities): boolean {
  for (const location of ['internal', 'external'] as const) {
    for (const scope of ['disk-only', 'full'] as const) {
      for (const state of ['live', 'offline'] as const) {
        if (atomicDiskLimit(capabilities, { location, scope, state }) !== null) return false;
      }
    }
  }
  return true;
}
