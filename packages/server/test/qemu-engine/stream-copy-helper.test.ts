// copyStreamWithHelper: the real `cat` copies a unix socket's stream of many small chunks into a real file, in order from offset 0; a file it cannot write fails with its message; stop ends it.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyHelperPath, copyStreamWithHelper } from '../../src/drivers/qemu/engine/stream-copy-helper.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** A unix socket pair as the engine has it: `accepted` from a server that pauses on connect (never read here), `producer` in QEMU's place. */
async function acceptedPair(): Promise<{ dir: string; accepted: net.Socket; producer: net.Socket }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vw-stream-helper-'));
  dirs.push(dir);
  const socketPath = path.join(dir, 's.sock');
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const connection = once(server, 'connection') as Promise<[net.Socket]>;
  const producer = net.connect(socketPath);
  await once(producer, 'connect');
  const [accepted] = await connection;
  server.close();
  return { dir, accepted, producer };
}

const helper = await copyHelperPath();

describe.skipIf(helper === undefined)('copyStreamWithHelper (cat)', () => {
  it('copies thousands of small chunks into the file from offset 0, in order, and closes the daemon’s copy of the socket', async () => {
    const { dir, accepted, producer } = await acceptedPair();
    const file = path.join(dir, 'out.mem');
    const handle = await fs.open(file, 'w+');
    // something at the end already: the copy starts at offset 0 of a truncated file, as the engine leaves it
    await handle.truncate(0);
    const copy = copyStreamWithHelper(helper!, accepted, handle);
    expect(accepted.destroyed).toBe(true);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    let chunks = 0;
    for (let at = 0; at < data.length; chunks++) {
      const size = 1 + ((chunks * 7919) % 3000);
      if (!producer.write(data.subarray(at, at + size))) await once(producer, 'drain');
      at += size;
    }
    producer.end();
    expect(await copy.done).toBe(data.length);
    await handle.close();
    expect(chunks).toBeGreaterThan(2000);
    expect((await fs.readFile(file)).equals(data)).toBe(true);
  });

  it('fails with the helper’s own message when the file refuses bytes', async () => {
    const { dir, accepted, producer } = await acceptedPair();
    const file = path.join(dir, 'ro.mem');
    await fs.writeFile(file, '');
    const readOnly = await fs.open(file, 'r');
    const copy = copyStreamWithHelper(helper!, accepted, readOnly);
    producer.on('error', () => undefined);
    producer.write(randomBytes(100_000));
    await expect(copy.done).rejects.toMatchObject({
      code: 'write-failed',
      message: expect.stringMatching(/copying the migration stream into its file failed: .*(write|Bad file descriptor)/i),
    });
    producer.destroy();
    await readOnly.close();
  });

  it('stop ends a copy whose stream never ends', async () => {
    const { dir, accepted, producer } = await acceptedPair();
    const handle = await fs.open(path.join(dir, 'stopped.mem'), 'w');
    const copy = copyStreamWithHelper(helper!, accepted, handle);
    producer.on('error', () => undefined);
    producer.write(randomBytes(1000));
    copy.stop();
    await expect(copy.done).rejects.toMatchObject({ code: 'write-failed', message: expect.stringContaining('SIGKILL') });
    producer.destroy();
    await handle.close();
  });
});
