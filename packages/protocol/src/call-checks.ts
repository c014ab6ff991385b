// The checks both ends apply before a call reaches a driver, so the client refuses exactly what the server would.
import type { DriverCapabilities, AtomicKind } from './capabilities.js';
import { ErrorNumber } from './errors/error-number.js';
import { VirError } from './errors/vir-error.js';
import { checkFlagRules, unsupportedFlagsError } from './flags/flag-rules.js';
import { unsupportedBits } from './flags/flag-set.js';
import type { MethodSpec } from './methods/method-spec.js';

/**
 * Method-level permission, checked before any parameter is read (libvirt's `virCheckReadOnlyGoto`):
 * a read-only principal may call only `connect` and `read` methods.
 */
export function checkMethodPermission(definition: MethodSpec, readOnly: boolean): VirError | undefined {
  if (readOnly && definition.permission === 'write') {
    return VirError.report(ErrorNumber.OperationDenied, definition.errorDomain, `read only access prevents ${definition.libvirt}`);
  }
  return undefined;
}

/** Permissions that flags add (`read_secure`, `fs_freeze`), checked once the flags are known. */
export function checkFlagPermissions(definition: MethodSpec, flags: number, readOnly: boolean): VirError | undefined {
  if (!readOnly) return undefined;
  for (const { flag, permission } of definition.flagPermissions) {
    if (flags & flag) {
      const detail = permission === 'read_secure' ? `${definition.libvirt} with secure flag` : `read only access prevents ${definition.libvirt}`;
      return VirError.report(ErrorNumber.OperationDenied, definition.errorDomain, detail);
    }
  }
  return undefined;
}

/** The driver function name libvirt would print, e.g. `testDomainSnapshotCreateXML`. */
export function driverFunctionName(definition: MethodSpec, capabilities: DriverCapabilities): string {
  return capabilities.functionPrefix + definition.libvirt.replace(/^vir/, '');
}

/**
 * The generic checks of libvirt's public API layer, then the driver's: flag rules, whether the
 * driver implements the method at all (VIR_ERR_NO_SUPPORT), and its flag mask (`virCheckFlags`).
 */
export function checkDriverCall(name: string, definition: MethodSpec, flags: number, capabilities: DriverCapabilities): VirError | undefined {
  if (definition.flags) {
    const ruleError = checkFlagRules(flags, definition.rules, {
      set: definition.flags,
      functionName: definition.libvirt,
      errorDomain: definition.errorDomain,
    });
    if (ruleError) return ruleError;
  }
  if (definition.handledBy === 'daemon') return undefined;
  const mask = capabilities.methods[name];
  if (mask === undefined) return VirError.report(ErrorNumber.NoSupport, definition.errorDomain, definition.libvirt);
  const bad = unsupportedBits(flags, mask);
  if (bad !== 0) return unsupportedFlagsError(bad, driverFunctionName(definition, capabilities), capabilities.errorDomain);
  return undefined;
}

/** What an atomic snapshot request is, as far as its asker knows. */
export interface AtomicRequest {
  location?: AtomicKind['location'];
  scope?: AtomicKind['scope'];
  state?: AtomicKind['state'];
  /** How many disks the snapshot changes. */
  disks: number;
}

/**
 * The most disks a driver can change atomically for a request (null: any number), over every
 * advertised kind the request may be. Unknown fields match every kind.
 */
export function atomicDiskLimit(capabilities: DriverCapabilities, request: Omit<AtomicRequest, 'disks'>): number | null {
  const matching = capabilities.atomic.filter(
    (k) =>
      (request.location === undefined || k.location === request.location) &&
      (request.scope === undefined || k.scope === request.scope) &&
      (request.state === undefined || k.state === request.state),
  );
  if (matching.length === 0) return 1;
  if (matching.some((k) => k.maxDisks === null)) return null;
  return Math.max(...matching.map((k) => k.maxDisks ?? 0));
}

/**
 * libvirt's refusal of an ATOMIC snapshot a driver cannot make as a group (qemuSnapshotPrepare's
 * VIR_ERR_CONFIG_UNSUPPORTED): `unsupported configuration: atomic live snapshot of multiple disks is
 * unsupported`, in the driver's error domain. The one wording the SDK's pre-check and both drivers use.
 */
export function atomicSnapshotRefusal(errorDomain: number): VirError {
  return VirError.report(ErrorNumber.ConfigUnsupported, errorDomain, 'atomic live snapshot of multiple disks is unsupported');
}

/** libvirt's up-front refusal of an ATOMIC snapshot request past the driver's atomic disk limit ({@link atomicSnapshotRefusal}). */
export function checkAtomicRequest(capabilities: DriverCapabilities, request: AtomicRequest): VirError | undefined {
  const limit = atomicDiskLimit(capabilities, request);
  return limit !== null && request.disks > limit ? atomicSnapshotRefusal(capabilities.errorDomain) : undefined;
}
