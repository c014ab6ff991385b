// A guest's migration stream (RAM and device state) saved to a file, or loaded from one, through a unix socket: QEMU 7.2 has no `file:` URI.
import { createReadStream, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError, PreconditionError, asError } from './errors.js';
import { reachStep, type Failpoint } from './operation-result.js';
import { migrationProbe, type JobProgressHook } from './job-progress.js';
import type { QmpClient } from './qmp-client.js';
import { openReservedFile, syncDirectory, type ReservedFile } from './reserved-file.js';
import { copyHelperPath, copyStreamWithHelper, type StreamCopy } from './stream-copy-helper.js';
import { writeStreamToFile } from './stream-file-writer.js';

/** The first bytes of every QEMU migration stream (`QEVM`, QEMU_VM_FILE_MAGIC): what a memory file must start with. */
export const MIGRATION_STREAM_MAGIC = Buffer.from('QEVM', 'latin1');

/**
 * Failpoints of a save, each reached just before its step: the vCPUs stopped (non-live), QEMU told
 * to migrate, the stream flushed to disk.
 */
export const MEMORY_SAVE_FAILPOINTS = ['memory-save:before-pause', 'memory-save:before-migrate', 'memory-save:before-sync'] as const;

/** libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX for a save to a file: the stream is never throttled (bytes/s). */
const UNLIMITED_BANDWIDTH = 2 ** 53 - 1;
/** How much of a memory file one read takes when it is loaded. */
const LOAD_CHUNK_BYTES = 1024 * 1024;

/** Options of {@link saveMemoryStream}. */
export interface MemorySaveOptions {
  /** VIR_DOMAIN_SNAPSHOT_CREATE_LIVE: migrate while the vCPUs run (QEMU stops them at completion); otherwise they are stopped first. */
  live: boolean;
  failpoint?: Failpoint;
  /** Called right after the vCPUs were stopped by us (non-live), for the caller's run state bookkeeping. */
  onPaused?: () => void | Promise<void>;
  /** Polled while the stream runs: true cancels the migration (virDomainAbortJob). */
  cancelled?: () => boolean;
  /** Longest the migration may take (default 10 minutes). */
  timeoutMs?: number;
  /** Told how to read the stream's progress while it runs (guest RAM sent, for virDomainGetJobStats), and `undefined` after. */
  onJobProgress?: JobProgressHook;
  /**
   * Told QEMU's migration settings as the save found them, before it changes any (for the caller to
   * journal: a daemon that dies during the save leaves them changed, and its recovery puts them back).
   */
  onSettingsFound?: (settings: MigrationSettings) => void | Promise<void>;
}

/** The migration settings a save changes for its stream: QEMU's capability `events` and parameter `max-bandwidth` (bytes/s). */
export interface MigrationSettings {
  events: boolean;
  maxBandwidth: number;
}

/** How a save went: its size, its time, and that time split into its steps (ms). */
export interface MemorySaveResult {
  bytes: number;
  /** Who copied the stream into the file: a helper process (`cat`), or the daemon itself (no `cat` found). */
  copier: 'helper' | 'daemon';
  ms: number;
  phases: MemorySavePhases;
}

/** The steps of a save (ms): set-up (file, socket, parameters), stopping the vCPUs, QEMU migrating until it says completed, the rest of the stream written after that, and the file and its directory flushed. */
export interface MemorySavePhases {
  setupMs: number;
  stopMs: number;
  migrateMs: number;
  drainMs: number;
  syncMs: number;
}

type MigrationStatus = { status?: string; 'error-desc'?: string };

/**
 * Saves the guest's state into `file` (reserved by the caller, O_EXCL 0600): the engine listens on
 * `socketPath` (in the guest's private runtime directory), QEMU `migrate`s to it, a `cat` helper
 * (stdin the accepted socket, stdout the file; libvirt 9.0 likewise runs libvirt_iohelper between
 * QEMU and the file) or, without one, the engine itself writes the stream into the file, then the
 * engine fsyncs the file and its directory. At the end the vCPUs are
 * stopped (QEMU status `postmigrate`); the caller resumes them (`cont`, which also takes the
 * images back) after its disk transaction. On failure the migration is cancelled and the file's
 * content is left to the caller's rollback; a guest the save stopped stays stopped (the caller
 * knows whether to resume it).
 */
export async function saveMemoryStream(qmp: QmpClient, file: ReservedFile, socketPath: string, options: MemorySaveOptions): Promise<MemorySaveResult> {
  const started = performance.now();
  const marks = [started];
  const mark = () => marks.push(performance.now());
  const handle = await openReservedFile(file);
  // the daemon never reads the socket itself when a helper copies it
  const server = net.createServer({ pauseOnConnect: true });
  const helper = await copyHelperPath();
  let copy: StreamCopy | undefined;
  let received: Promise<number> | undefined;
  let migrating = false;
  const found = await readMigrationSettings(qmp);
  try {
    await options.onSettingsFound?.(found);
    await handle.truncate(0);
    await fs.rm(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await fs.chmod(socketPath, 0o600);
    received = new Promise<number>((resolve, reject) => {
      server.once('connection', (socket) => {
        server.close();
        if (helper) {
          copy = copyStreamWithHelper(helper, socket, handle);
          copy.done.then(resolve, reject);
        } else {
          writeStreamToFile(socket, handle).then((result) => resolve(result.bytes), reject);
        }
      });
    });
    received.catch(() => undefined);
    await applyMigrationSettings(qmp, { events: true, maxBandwidth: UNLIMITED_BANDWIDTH });
    mark();
    if (!options.live) {
      await reachStep(options.failpoint, 'memory-save:before-pause');
      await qmp.execute('stop');
      await options.onPaused?.();
    }
    await reachStep(options.failpoint, 'memory-save:before-migrate');
    mark();
    migrating = true;
    await qmp.execute('migrate', { uri: `unix:${socketPath}` });
    options.onJobProgress?.(migrationProbe(qmp));
    const outcome = await waitForOutgoing(qmp, options);
    if (outcome.status !== 'completed')
      throw new EngineError('migration-failed', `migration ${outcome.status ?? 'failed'}: ${outcome['error-desc'] ?? ''}`.trim());
    migrating = false;
    mark();
    const bytes = await withTimeout(received, 60_000, 'the migration stream did not end');
    mark();
    await reachStep(options.failpoint, 'memory-save:before-sync');
    await handle.sync();
    await syncDirectory(path.dirname(file.path));
    mark();
    const step = (i: number) => marks[i + 1]! - marks[i]!;
    return {
      bytes,
      copier: helper ? 'helper' : 'daemon',
      ms: performance.now() - started,
      phases: { setupMs: step(0), stopMs: step(1), migrateMs: step(2), drainMs: step(3), syncMs: step(4) },
    };
  } catch (error) {
    if (migrating) await cancelOutgoing(qmp);
    throw asError(error);
  } finally {
    options.onJobProgress?.(undefined);
    server.close();
    copy?.stop();
    await handle.close().catch(() => undefined);
    await fs.rm(socketPath, { force: true }).catch(() => undefined);
    await applyMigrationSettings(qmp, found).catch(() => undefined);
  }
}

const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);
/** Longest sleep between two `query-migrate`s (for cancellation and the timeout); QEMU's MIGRATION event ends it sooner. */
const POLL_MS = 50;

/**
 * Waits until the outgoing migration is over (completed, failed or cancelled): `query-migrate`
 * after QEMU's MIGRATION event with a final status, or every POLL_MS for cancellation and timeout.
 */
async function waitForOutgoing(qmp: QmpClient, options: MemorySaveOptions): Promise<MigrationStatus> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    // armed before the query, so that an end between the two is not missed
    const ended = qmp.waitForEvent((e) => e.event === 'MIGRATION' && FINAL_STATUSES.has(String(e.data?.status)), POLL_MS, 'the migration to end');
    try {
      const status = await qmp.execute<MigrationStatus>('query-migrate');
      if (FINAL_STATUSES.has(status.status ?? '')) return status;
      if (options.cancelled?.()) {
        await qmp.execute('migrate_cancel');
      } else if (Date.now() > deadline) {
        await qmp.execute('migrate_cancel');
        throw new EngineError('migration-timeout', 'the migration did not complete in time');
      }
      await ended.promise.catch(() => undefined);
    } finally {
      ended.cancel();
    }
  }
}

/** QEMU's default `max-bandwidth` (32 MiB/s), for a QEMU that does not report one. */
const DEFAULT_BANDWIDTH = 33554432;

/** Reads the migration settings a save changes: capability `events` (a MIGRATION event on each status change) and `max-bandwidth`. */
export async function readMigrationSettings(qmp: QmpClient): Promise<MigrationSettings> {
  const parameters = await qmp.execute<{ 'max-bandwidth'?: number }>('query-migrate-parameters');
  return { events: await migrationEventsOn(qmp), maxBandwidth: parameters['max-bandwidth'] ?? DEFAULT_BANDWIDTH };
}

async function migrationEventsOn(qmp: QmpClient): Promise<boolean> {
  const capabilities = await qmp.execute<Array<{ capability: string; state: boolean }>>('query-migrate-capabilities');
  return capabilities.some((c) => c.capability === 'events' && c.state);
}

/**
 * Sets the migration settings a save changes (no migration may be active: QEMU refuses to change
 * a capability during one). Safe to repeat; a capability already in that state is left alone.
 * Putting back what a save found is libvirt's qemuMigrationParamsReset after a migration job.
 */
export async function applyMigrationSettings(qmp: QmpClient, settings: MigrationSettings): Promise<void> {
  await qmp.execute('migrate-set-parameters', { 'max-bandwidth': settings.maxBandwidth });
  if ((await migrationEventsOn(qmp)) !== settings.events)
    await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: settings.events }] });
}

/**
 * Cancels an outgoing migration (of this engine, or of a daemon that died) and waits until QEMU
 * has no active one. Safe when none runs.
 */
export async function cancelOutgoing(qmp: QmpClient): Promise<void> {
  await qmp.execute('migrate_cancel').catch(() => undefined);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const status = (await qmp.execute<MigrationStatus>('query-migrate').catch(() => ({}) as MigrationStatus)).status;
    if (status === undefined || status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'none') return;
    await sleep(10);
  }
}

/**
 * Loads a saved stream into a QEMU started with `-incoming defer` (status `inmigrate`): QEMU
 * listens on `socketPath` (`migrate-incoming`), the engine streams `memoryFile` into it and waits
 * until QEMU leaves `inmigrate`. A bad stream makes QEMU 7.2 exit, which the caller sees as its death.
 */
export async function loadMemoryStream(qmp: QmpClient, memoryFile: string, socketPath: string): Promise<void> {
  await checkMemoryFile(memoryFile);
  await fs.rm(socketPath, { force: true });
  await qmp.execute('migrate-incoming', { uri: `unix:${socketPath}` });
  try {
    const socket = await connectWithRetry(socketPath);
    // 1 MiB reads: a sixteenth of the thread-pool round trips of the default 64 KiB
    await pipeline(createReadStream(memoryFile, { highWaterMark: LOAD_CHUNK_BYTES }), socket);
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const { status } = await qmp.execute<{ status: string }>('query-status');
      if (status !== 'inmigrate') {
        if (status === 'paused' || status === 'running') return;
        throw new EngineError('incoming-failed', `the guest state did not load (QEMU status ${status})`);
      }
      await sleep(wait);
    }
  } finally {
    await fs.rm(socketPath, { force: true }).catch(() => undefined);
  }
}

/** A memory file is a regular file holding a migration stream (never a link, never anything else). */
export async function checkMemoryFile(memoryFile: string): Promise<void> {
  const stat = await fs.lstat(memoryFile).catch(() => undefined);
  if (!stat?.isFile()) throw new PreconditionError('memory-file-missing', `${memoryFile} is not a regular file`);
  if (!(await hasStreamMagic(memoryFile))) throw new PreconditionError('memory-file-invalid', `${memoryFile} does not hold a QEMU migration stream`);
}

/** Whether `file` starts with the migration stream's magic. */
export async function hasStreamMagic(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(MIGRATION_STREAM_MAGIC.length);
    await handle.read(head, 0, head.length, 0);
    return head.equals(MIGRATION_STREAM_MAGIC);
  } finally {
    await handle.close();
  }
}

async function connectWithRetry(socketPath: string): Promise<net.Socket> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(socketPath, () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new EngineError('stream-timeout', message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
