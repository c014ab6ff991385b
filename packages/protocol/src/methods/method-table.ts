// The protocol's method table: every method declared once (its spec here, its schemas by the same name), and the types derived from it.
import type { z } from 'zod';
import { connectMethods } from './connect-methods.js';
import { consoleMethods } from './console-methods.js';
import { discoveryMethods } from './discovery-methods.js';
import { eventMethods } from './event-methods.js';
import { domainMethods } from './domain-methods.js';
import type { MethodSpec } from './method-spec.js';
import type { methodSchemas } from './method-schemas.js';
import { snapshotMethods } from './snapshot-methods.js';
import { storageMethods } from './storage-methods.js';

/** Every method virtwire speaks, by wire name (the libvirt API name without `vir`); zod-free, so the SDK can carry it. */
export const methods = {
  ...connectMethods,
  ...domainMethods,
  ...snapshotMethods,
  ...storageMethods,
  ...eventMethods,
  ...discoveryMethods,
  ...consoleMethods,
} satisfies Record<string, MethodSpec>;

/** A method's wire name. */
export type MethodName = keyof typeof methods;

/** The parameters a caller passes (defaults such as `flags: 0` may be left out). */
export type ParamsInput<N extends MethodName> = z.input<(typeof methodSchemas)[N]['params']>;

/** The parameters a handler receives, after validation and defaults. */
export type Params<N extends MethodName> = z.output<(typeof methodSchemas)[N]['params']>;

/** A method's result. */
export type Result<N extends MethodName> = z.output<(typeof methodSchemas)[N]['result']>;

/** Methods answered by the hypervisor driver of the connection. */
export type DriverMethodName = {
  [N in MethodName]: (typeof methods)[N]['handledBy'] extends 'daemon' ? never : N;
}[MethodName];

/** Methods answered by the daemon itself. */
export type DaemonMethodName = Exclude<MethodName, DriverMethodName>;

/** True when `name` is a wire method name (own property only: `__proto__` and friends are not). */
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}
