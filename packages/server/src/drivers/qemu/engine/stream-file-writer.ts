// A readable stream (a migration stream's socket) written into a file from offset 0, in order, in large batched writes while the stream keeps being read, with the bytes waiting bounded.
import type { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { EngineError } from './errors.js';

/** What {@link writeStreamToFile} writes into: an open file (its `writev` at a position). */
export type StreamFileTarget = Pick<fs.FileHandle, 'writev'>;

/** Bounds of {@link writeStreamToFile}. */
export interface StreamFileLimits {
  /** The stream is paused once this many bytes wait to be written, and resumed below half of it. Default 16 MiB. */
  maxQueuedBytes?: number;
  /** Most bytes one `writev` is given. Default 4 MiB. */
  maxBatchBytes?: number;
}

/** What {@link writeStreamToFile} wrote. */
export interface StreamFileResult {
  /** Bytes written, from offset 0: everything the stream carried. */
  bytes: number;
  /** Most bytes that waited to be written at any time (at most maxQueuedBytes plus one chunk of the stream). */
  peakQueuedBytes: number;
  /** How many `writev` calls it took. */
  writes: number;
}

const DEFAULT_MAX_QUEUED = 16 * 1024 * 1024;
const DEFAULT_MAX_BATCH = 4 * 1024 * 1024;
/** Linux's IOV_MAX is 1024: one batch stays well under it. */
const MAX_BATCH_BUFFERS = 512;

/**
 * Writes everything `source` carries into `handle` from offset 0, in order, and resolves when the
 * stream has ended and the last byte is written (not flushed: the caller fsyncs). The stream goes
 * on being read while a write runs: what arrived meanwhile is written next with one `writev` (up to
 * maxBatchBytes), one write at a time, so a stream of many small chunks costs few thread-pool round
 * trips. Beyond maxQueuedBytes waiting the stream is paused. A failed write destroys the stream
 * (its writer sees the connection end) and rejects; so does a stream error, or a stream that closes
 * without its end. The memory save uses it only where no `cat` helper is found (see
 * stream-copy-helper.ts): every byte read through the daemon costs its CPU and allocations.
 */
export function writeStreamToFile(source: Readable, handle: StreamFileTarget, limits: StreamFileLimits = {}): Promise<StreamFileResult> {
  const maxQueued = limits.maxQueuedBytes ?? DEFAULT_MAX_QUEUED;
  const maxBatch = limits.maxBatchBytes ?? DEFAULT_MAX_BATCH;
  return new Promise<StreamFileResult>((resolve, reject) => {
    const queue: Buffer[] = [];
    let queued = 0;
    let peakQueuedBytes = 0;
    let offset = 0;
    let writes = 0;
    let writing = false;
    let ended = false;
    let settled = false;

    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      source.off('data', onData);
      source.destroy();
      reject(error);
    };
    const finishIfDone = () => {
      if (settled || writing || !ended || queue.length > 0) return;
      settled = true;
      resolve({ bytes: offset, peakQueuedBytes, writes });
    };
    const pump = async () => {
      writing = true;
      try {
        while (queue.length > 0 && !settled) {
          const batch = takeBatch(queue, maxBatch);
          const size = byteLength(batch);
          await writeAll(handle, batch, offset);
          writes++;
          offset += size;
          queued -= size;
          if (source.isPaused() && !ended && queued <= maxQueued / 2) source.resume();
        }
      } catch (error) {
        writing = false;
        fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      writing = false;
      finishIfDone();
    };
    function onData(chunk: Buffer) {
      if (settled) return;
      queue.push(chunk);
      queued += chunk.length;
      peakQueuedBytes = Math.max(peakQueuedBytes, queued);
      if (queued >= maxQueued) source.pause();
      if (!writing) void pump();
    }

    source.on('data', onData);
    source.once('end', () => {
      ended = true;
      finishIfDone();
    });
    source.once('error', fail);
    source.once('close', () => {
      if (!ended) fail(new EngineError('stream-closed', 'the stream closed before its end'));
    });
    // a socket accepted by a server that pauses on connect does not flow by itself
    source.resume();
  });
}

/** Takes buffers off the front of `queue` up to `maxBytes` (at least one) and MAX_BATCH_BUFFERS of them. */
function takeBatch(queue: Buffer[], maxBytes: number): Buffer[] {
  let count = 0;
  let bytes = 0;
  while (count < queue.length && count < MAX_BATCH_BUFFERS && (count === 0 || bytes + queue[count]!.length <= maxBytes)) bytes += queue[count++]!.length;
  return queue.splice(0, count);
}

function byteLength(buffers: readonly Buffer[]): number {
  let bytes = 0;
  for (const buffer of buffers) bytes += buffer.length;
  return bytes;
}

/** `writev` of every byte of `buffers` at `position`, again after a short write for what is left. */
async function writeAll(handle: StreamFileTarget, buffers: Buffer[], position: number): Promise<void> {
  let rest = buffers;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    if (bytesWritten <= 0) throw new EngineError('write-failed', 'the file took no bytes');
    at += bytesWritten;
    rest = skipBytes(rest, bytesWritten);
  }
}

/** `buffers` without their first `count` bytes. */
function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  let index = 0;
  while (index < buffers.length && left >= buffers[index]!.length) left -= buffers[index++]!.length;
  const rest = buffers.slice(index);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}
