// Starts a real virtwired for a test: loopback TCP plus read-write and read-only unix sockets in a temp dir.
import { connect, type Connection } from '@virtwire/client';
import { generateToken, startDaemon, tokenEntry, type Daemon, type DaemonOptions, type HypervisorDriver } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node files shipped with the tests. */
export const FIXTURE_NODES = fileURLToPath(new URL('../fixtures/nodes/', import.meta.url));

/**
 * The read-write token every test daemon of this process accepts on TCP. It is also put in
 * `$VIRTWIRE_TOKEN`, where the Node SDK finds it, so `connect(server.uri())` just works.
 */
export const TEST_TOKEN = generateToken();
process.env.VIRTWIRE_TOKEN = TEST_TOKEN;

/** A daemon under test and the URIs that reach it. */
export interface TestDaemon extends AsyncDisposable {
  daemon: Daemon;
  /** `ws://127.0.0.1:PORT`. */
  wsAddress: string;
  socket: string;
  readOnlySocket: string;
  /** `test+ws://127.0.0.1:PORT<path>` for a driver path such as `/default`. */
  uri(driverPath?: string, query?: string): string;
  /** A node file of the fixtures, as a URI. */
  nodeUri(fileName: string, query?: string): string;
  /** `qemu+ws://127.0.0.1:PORT/session`. */
  qemuUri: string;
  /** The daemon's state directory. */
  stateDir: string;
  /**
   * Holds a connection to test:///default open until close(): as in libvirt, its host lives only
   * while a connection is open, so vwsh runs in sequence share one host only while it is held.
   */
  keepDefaultHost(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a daemon on an ephemeral port (with `extraDrivers` beside or instead of the built-in ones);
 * `close()`, or the end of an `await using` scope, stops it and removes its directories.
 */
export async function startTestDaemon(options: Partial<DaemonOptions> = {}, extraDrivers: HypervisorDriver[] = []): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'virtwired-test-'));
  const socket = join(dir, 'sock');
  const readOnlySocket = join(dir, 'sock-ro');
  const daemon = await startDaemon(
    {
      listeners: [
        { kind: 'tcp', host: '127.0.0.1', port: 0 },
        { kind: 'unix', path: socket, readOnly: false },
        { kind: 'unix', path: readOnlySocket, readOnly: true },
      ],
      stateDir: join(dir, 'state'),
      nodeFileRoots: [FIXTURE_NODES, dir],
      logLevel: 'silent',
      ...options,
      tokens: [tokenEntry(TEST_TOKEN, 'rw', 'test'), ...(options.tokens ?? [])],
    },
    extraDrivers,
  );
  const wsAddress = daemon.addresses.find((a) => a.startsWith('ws://'))!;
  const hostPort = wsAddress.slice('ws://'.length);
  const uri = (driverPath = '/default', query?: string) => `test+ws://${hostPort}${driverPath}${query ? `?${query}` : ''}`;
  let keeper: Connection | undefined;
  const close = async () => {
    await keeper?.close();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    daemon,
    wsAddress,
    socket,
    readOnlySocket,
    uri,
    nodeUri: (fileName, query) => uri(join(FIXTURE_NODES, fileName), query),
    qemuUri: `qemu+ws://${hostPort}/session`,
    stateDir: options.stateDir ?? join(dir, 'state'),
    async keepDefaultHost() {
      keeper ??= await connect(uri());
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
