// A test daemon over the asynchronous test driver, with the connections a test opens, closed after each test.
import { connect, type Connection, type NodeConnectOptions } from '@virtwire/client';
import type { DaemonLimits } from '@virtwire/server';
import { afterEach } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../helpers/virtwired.js';
import { AsyncTestDriver } from './async-test-driver.js';

/** What a test file works with once {@link AsyncDaemon.start} ran. */
export interface AsyncDaemon {
  readonly server: TestDaemon;
  readonly driver: AsyncTestDriver;
  /** Starts a daemon whose `test` driver is an {@link AsyncTestDriver} (no yields: calls are held only by `driver.hold()`). */
  start(limits?: Partial<DaemonLimits>): Promise<void>;
  /** A connection to `test:///default` (read-only with `{ readOnly: true }`), closed after the test. */
  client(options?: NodeConnectOptions): Promise<Connection>;
}

/** Registers the after-each clean-up of a file whose tests start an {@link AsyncDaemon}. */
export function useAsyncDaemon(): AsyncDaemon {
  let server: TestDaemon | undefined;
  let driver: AsyncTestDriver | undefined;
  const open: Connection[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await server?.close();
    server = undefined;
  });
  return {
    get server() {
      return server!;
    },
    get driver() {
      return driver!;
    },
    async start(limits = {}) {
      driver = new AsyncTestDriver({ maxYields: 0 });
      server = await startTestDaemon({ limits }, [driver]);
    },
    async client(options = {}) {
      const conn = await connect(server!.uri('/default'), options);
      open.push(conn);
      return conn;
    },
  };
}
