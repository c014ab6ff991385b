// The setup every qemu test file shares: a sandbox, a real virtwired with the qemu driver, an SDK connection, and their clean-up.
import { connect, type Connection } from '@virtwire/client';
import type { DaemonOptions } from '@virtwire/server';
import { afterAll, beforeAll } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { killGuestsUnder, QemuSandbox } from './qemu-fixture.js';

/** What a qemu test file works with; filled in before its first test. */
export interface QemuTestDaemon {
  box: QemuSandbox;
  server: TestDaemon;
  conn: Connection;
  /** The daemon's state directory (`state/` in the sandbox). */
  stateDir: string;
  /** QEMU's sockets, pidfiles and logs (`run/`). */
  runtimeDir: string;
  /** Where the tests put disk images (`images/`), a storage root unless `confined` is false. */
  images: string;
}

/** How the daemon of a qemu test file is set up. */
export interface QemuTestDaemonOptions {
  /** Storage roots besides `images`, made in the sandbox (e.g. a small or read-only tmpfs). */
  extraRoots?: (box: QemuSandbox) => string[];
  /** With false, no storage roots: the confinement policy checks path syntax only. */
  confined?: boolean;
  /** A second QMP socket per guest for the tests to inspect it (default true). */
  inspectionMonitor?: boolean;
  /** More daemon options (e.g. `web` to serve the console). */
  daemon?: Partial<DaemonOptions>;
}

/**
 * Registers the hooks of a qemu test file: before all, a sandbox with `state/`, `run/` and
 * `images/`, a daemon whose qemu driver is confined to the storage roots, and an SDK connection
 * to `qemu:///session`; after all, the connection, the daemon, any guest still running and the
 * sandbox are cleaned up.
 */
export function useQemuDaemon(options: QemuTestDaemonOptions = {}): QemuTestDaemon {
  const setup = {} as QemuTestDaemon;
  beforeAll(async () => {
    const box = QemuSandbox.create();
    setup.box = box;
    setup.stateDir = box.mkdir('state');
    setup.runtimeDir = box.mkdir('run');
    setup.images = box.mkdir('images');
    const storageRoots = options.confined === false ? [] : [setup.images, ...(options.extraRoots?.(box) ?? [])];
    setup.server = await startTestDaemon({
      ...options.daemon,
      stateDir: setup.stateDir,
      qemu: { runtimeDir: setup.runtimeDir, storageRoots, inspectionMonitor: options.inspectionMonitor ?? true },
    });
    setup.conn = await connect(setup.server.qemuUri);
  });
  afterAll(async () => {
    await setup.conn?.close();
    await setup.server?.close();
    if (setup.runtimeDir) await killGuestsUnder(setup.runtimeDir);
    setup.box?.cleanup();
  });
  return setup;
}
