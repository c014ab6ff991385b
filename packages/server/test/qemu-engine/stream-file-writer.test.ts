// writeStreamToFile: a unix socket's stream of many small chunks into a real file, in order and complete, with the bytes waiting bounded; short writes, a failing file, a stream cut off.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { writeStreamToFile, type StreamFileTarget } from '../../src/drivers/qemu/engine/stream-file-writer.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vw-stream-writer-'));
  dirs.push(dir);
  return dir;
}

/** A unix socket pair: `reader` is the accepted side (what the engine reads; its server pauses on connect, as the engine's), `writer` the producer's (QEMU's place). */
async function socketPair(dir: string): Promise<{ reader: net.Socket; writer: net.Socket; server: net.Server }> {
  const socketPath = path.join(dir, 's.sock');
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const writer = net.connect(socketPath);
  await once(writer, 'connect');
  const [reader] = await accepted;
  server.close();
  return { reader, writer, server };
}

/** `data` cut into chunks of 1 to 3,000 bytes (many more chunks than any sensible write count). */
function smallChunks(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = 1 + ((i * 7919) % 3000);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('writeStreamToFile', () => {
  it('writes a socket carrying thousands of small chunks into a slow file from offset 0, in order, in few writes, never holding much more than its bound', async () => {
    const dir = await tempDir();
    const { reader, writer } = await socketPair(dir);
    const data = randomBytes(6 * 1024 * 1024 + 123);
    const chunks = smallChunks(data);
    const handle = await fs.open(path.join(dir, 'out.mem'), 'w');
    let dataEvents = 0;
    let largestChunk = 0;
    reader.on('data', (chunk: Buffer) => {
      dataEvents++;
      largestChunk = Math.max(largestChunk, chunk.length);
    });
    // the file is slow: its first write waits until the writer has paused the socket (its queue full), every later one a tick
    const paused = once(reader, 'pause');
    let calls = 0;
    const slow: StreamFileTarget = {
      writev: async (buffers, position) => {
        if (calls++ === 0) await paused;
        else await new Promise((resolve) => setImmediate(resolve));
        return handle.writev(buffers, position);
      },
    };
    const maxQueuedBytes = 256 * 1024;
    const written = writeStreamToFile(reader, slow, { maxQueuedBytes, maxBatchBytes: 128 * 1024 });
    for (const chunk of chunks) if (!writer.write(chunk)) await once(writer, 'drain');
    writer.end();
    const result = await written;
    await handle.close();

    expect(result.bytes).toBe(data.length);
    expect((await fs.readFile(path.join(dir, 'out.mem'))).equals(data)).toBe(true);
    expect(chunks.length).toBeGreaterThan(4000);
    // coalesced: fewer writes than the socket delivered chunks
    expect(result.writes).toBe(calls);
    expect(result.writes).toBeLessThan(dataEvents);
    // bounded: the queue reached its bound (the socket was paused) and never went past it by more than one chunk
    expect(result.peakQueuedBytes).toBeGreaterThanOrEqual(maxQueuedBytes);
    expect(result.peakQueuedBytes).toBeLessThanOrEqual(maxQueuedBytes + largestChunk);
  });

  it('writes what a short write left over, at the right offset', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'short.mem');
    const handle = await fs.open(file, 'w');
    // a real file that takes at most 777 bytes of the first buffer per call
    const short: StreamFileTarget = {
      writev: async (buffers, position) => {
        const first = buffers[0] as Buffer;
        return { bytesWritten: (await handle.write(first, 0, Math.min(777, first.length), position)).bytesWritten, buffers };
      },
    };
    const source = new PassThrough();
    const data = randomBytes(200_000);
    const written = writeStreamToFile(source, short);
    for (const chunk of smallChunks(data)) source.write(chunk);
    source.end();
    const result = await written;
    await handle.close();
    expect(result.bytes).toBe(data.length);
    expect((await fs.readFile(file)).equals(data)).toBe(true);
  });

  it('rejects with the write error when the file refuses bytes, and ends the socket so its producer stops', async () => {
    const dir = await tempDir();
    const { reader, writer } = await socketPair(dir);
    const file = path.join(dir, 'ro.mem');
    await fs.writeFile(file, '');
    const readOnly = await fs.open(file, 'r');
    const written = writeStreamToFile(reader, readOnly);
    const producerClosed = once(writer, 'close');
    writer.on('error', () => undefined);
    writer.write(randomBytes(100_000));
    await expect(written).rejects.toMatchObject({ code: 'EBADF' });
    await producerClosed;
    expect(reader.destroyed).toBe(true);
    await readOnly.close();
  });

  it('rejects a stream that closes before its end', async () => {
    const dir = await tempDir();
    const handle = await fs.open(path.join(dir, 'cut.mem'), 'w');
    const source = new PassThrough();
    const written = writeStreamToFile(source, handle);
    source.write(randomBytes(10_000));
    source.destroy();
    await expect(written).rejects.toMatchObject({ code: 'stream-closed' });
    await handle.close();
  });
});
