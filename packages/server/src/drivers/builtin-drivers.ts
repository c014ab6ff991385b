// The drivers every virtwired has (test, qemu), each loaded when first needed.
import { ErrorDomain } from '@virtwire/protocol';
import type { DriverEnvironment, HypervisorDriver } from './driver.js';
import { LazyDriver } from './lazy-driver.js';
import { qemuStateExists, type QemuDriverOptions } from './qemu/qemu-driver-options.js';

/**
 * The `test` driver (loaded at its first ConnectOpen: it keeps no state) and the `qemu` driver
 * (loaded at start-up when a previous daemon left state to recover, else at its first ConnectOpen).
 */
export function builtinDrivers(environment: DriverEnvironment, qemuOptions: QemuDriverOptions): HypervisorDriver[] {
  return [
    new LazyDriver({
      scheme: 'test',
      errorDomain: ErrorDomain.Test,
      load: async () => new (await import('./test-driver/test-driver.js')).TestDriver(environment),
      hasState: () => false,
    }),
    new LazyDriver({
      scheme: 'qemu',
      errorDomain: ErrorDomain.Qemu,
      load: async () => new (await import('./qemu/qemu-driver.js')).QemuDriver(environment, qemuOptions),
      hasState: () => qemuStateExists(environment.stateDir, qemuOptions),
    }),
  ];
}
