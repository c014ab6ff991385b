// What the test driver advertises: the flag masks of its method table, and its atomic support.
import { ErrorDomain, type AtomicKind, type DriverCapabilities } from '@virtwire/protocol';
import { advertisedMethods, type DriverMethods } from '../driver.js';
import type { AtomicMode } from './snapshot-create.js';

/** libvirt's test driver reports hypervisor version 2 (`testConnectGetVersion`). */
export const TEST_HYPERVISOR_VERSION = 2;

/** virNodeGetInfo on libvirt's test host (its defaultNodeInfo). */
export const TEST_NODE_INFO = { model: 'i686', memory: 3145728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2 };

const everyKind = (maxDisks: (kind: Omit<AtomicKind, 'maxDisks'>) => number | null): AtomicKind[] =>
  (['internal', 'external'] as const).flatMap((location) =>
    (['disk-only', 'full'] as const).flatMap((scope) =>
      (['live', 'offline'] as const).map((state) => ({ location, scope, state, maxDisks: maxDisks({ location, scope, state }) })),
    ),
  );

/**
 * The test driver's capabilities. In `group` mode every kind is atomic for any number of disks;
 * in `none` mode live external snapshots are atomic for one disk only, like QEMU before `transaction`.
 */
export function testCapabilities(atomicMode: AtomicMode, methods: DriverMethods): DriverCapabilities {
  return {
    driver: 'test',
    version: TEST_HYPERVISOR_VERSION,
    functionPrefix: 'test',
    errorDomain: ErrorDomain.Test,
    methods: advertisedMethods(methods),
    atomic: everyKind((k) => (atomicMode === 'none' && k.location === 'external' && k.state === 'live' ? 1 : null)),
    crashConsistent: false,
  };
}
