// The daemon's start: listeners bound before anything is written, 503 while the drivers initialize, then served.
import { connect } from '@virtwire/client';
import { startDaemon, type HypervisorDriver } from '@virtwire/server';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openRaw, refusal, unixUrl } from '../helpers/raw-client.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'virtwire-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A driver whose initialize() waits until the test lets it finish. */
function slowDriver(): { driver: HypervisorDriver; finish: () => void; started: Promise<void> } {
  let finish!: () => void;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = new Promise<void>((resolve) => (finish = resolve));
  const driver: HypervisorDriver = {
    scheme: 'slow',
    initialize: async () => {
      markStarted();
      await done;
    },
    open: () => Promise.reject(new Error('not used')),
    shutdown: async () => undefined,
  };
  return { driver, finish, started };
}

it('answers 503 while a driver initializes, then serves on the same socket', async () => {
  const socket = join(dir, 'sock');
  const slow = slowDriver();
  const starting = startDaemon({ listeners: [{ kind: 'unix', path: socket, readOnly: false }], stateDir: join(dir, 'state'), logLevel: 'silent' }, [
    slow.driver,
  ]);
  await slow.started;
  expect(await refusal(openRaw(unixUrl(socket)))).toMatchObject({ status: 503 });
  slow.finish();
  const daemon = await starting;
  try {
    const conn = await connect('test:///default', { defaultSocketPath: socket });
    expect(await conn.getVersion()).toEqual(expect.any(Number));
    await conn.close();
  } finally {
    await daemon.close();
  }
});

it('binds before it writes: a listener that fails leaves no state directory and no token file', async () => {
  const live = join(dir, 'live-sock');
  const first = await startDaemon({ listeners: [{ kind: 'unix', path: live, readOnly: false }], stateDir: join(dir, 'first'), logLevel: 'silent' });
  try {
    const stateDir = join(dir, 'second');
    await expect(
      startDaemon({
        listeners: [
          { kind: 'tcp', host: '127.0.0.1', port: 0 },
          { kind: 'unix', path: live, readOnly: false },
        ],
        stateDir,
        tokenFile: join(stateDir, 'tokens'),
        localTokenFile: join(dir, 'client-token'),
        logLevel: 'silent',
      }),
    ).rejects.toThrow(/in use by another daemon/);
    expect(existsSync(stateDir)).toBe(false);
    expect(existsSync(join(dir, 'client-token'))).toBe(false);
  } finally {
    await first.close();
  }
});
