// A migration stream's socket copied into its file by a helper process (`cat`, its stdin the socket, its stdout the file), as libvirt's libvirt_iohelper does: the bytes never pass through the daemon's memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import type net from 'node:net';
import { EngineError } from './errors.js';

/** Where `cat` may be: absolute paths only (the daemon's PATH plays no part). */
const CAT_CANDIDATES = ['/usr/bin/cat', '/bin/cat'];
/** Most bytes of the helper's stderr kept for an error message. */
const MAX_STDERR_BYTES = 4096;

/** A running copy: `done` resolves to the bytes copied once the stream has ended; `stop` ends the helper at once (SIGKILL). */
export interface StreamCopy {
  done: Promise<number>;
  stop(): void;
}

let catPath: Promise<string | undefined> | undefined;

/** The absolute path of an executable `cat`, or undefined (then the daemon copies the stream itself). Looked up once. */
export function copyHelperPath(): Promise<string | undefined> {
  catPath ??= (async () => {
    for (const candidate of CAT_CANDIDATES) {
      if (
        await fs.access(candidate, constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return candidate;
    }
    return undefined;
  })();
  return catPath;
}

/**
 * Starts `helper` (an absolute path to `cat`, no shell, no arguments, an empty environment) with
 * stdin the accepted `socket` (never read by the daemon: its server pauses on connect) and stdout
 * `file` (open, truncated, its offset 0): the helper reads the stream with one fixed buffer and
 * writes it in order from offset 0 until QEMU ends the stream. The daemon's copy of the socket is
 * closed once the helper holds its own. `done` rejects (`write-failed`, with the helper's stderr)
 * when the helper fails, e.g. a full disk; the caller flushes the file after `done`.
 */
export function copyStreamWithHelper(helper: string, socket: net.Socket, file: fs.FileHandle): StreamCopy {
  let child: ChildProcess;
  try {
    child = spawn(helper, [], { stdio: [socket, file.fd, 'pipe'], env: {} });
  } finally {
    socket.destroy();
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8').slice(0, MAX_STDERR_BYTES - stderr.length);
  });
  const done = new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new EngineError('write-failed', `the stream copier ${helper} did not start: ${error.message}`, { cause: error })));
    child.once('close', (code, signal) => {
      if (code === 0) {
        file.stat().then((stat) => resolve(stat.size), reject);
        return;
      }
      const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
      reject(new EngineError('write-failed', `copying the migration stream into its file failed: ${why}`));
    });
  });
  done.catch(() => undefined);
  return {
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
