// Launches, re-attaches to, pauses, resumes and stops one QEMU guest process that outlives the daemon.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { EngineError, QemuLaunchError, QemuNotRunningError, asError } from './errors.js';
import { buildQemuArgv, runtimePaths } from './qemu-argv.js';
import type { GuestSpec, RuntimePaths } from './qemu-argv.js';
import { isOurGuest, isProcessAlive, readPidFile, waitForProcessExit } from './process-identity.js';
import { QmpClient } from './qmp-client.js';
import type { QmpClientOptions } from './qmp-client.js';
import type { QueryStatusReply } from './qmp-types.js';

/** How to launch a guest. */
export interface LaunchOptions extends GuestSpec {
  /** Per-guest directory (created 0700) for qmp.sock, qemu.pid and qemu.log. */
  runtimeDir: string;
  /** Default "qemu-system-x86_64". */
  qemuBinary?: string;
  /**
   * "paused" (default): vCPUs stopped after a cont+stop, QEMU status "paused".
   * "prelaunch": left as started by -S. "running": cont.
   */
  startState?: 'paused' | 'prelaunch' | 'running';
  qmp?: QmpClientOptions;
  /** Runs once QMP is up, before the start state is applied (the vCPUs have not run yet): e.g. passwords. */
  beforeStart?: (qmp: QmpClient) => Promise<void>;
}

/** How to re-attach to a guest started by an earlier daemon. */
export interface AttachOptions {
  runtimeDir: string;
  name: string;
  qmp?: QmpClientOptions;
}

/** How a stop ended. */
export type StopOutcome = 'quit' | 'killed' | 'already-exited';

/**
 * A running QEMU guest and its QMP connection. The process is spawned detached (own session,
 * output to a log file, unref'd), so it survives the daemon; only quit()/kill() end it.
 */
export class QemuProcess {
  private constructor(
    readonly name: string,
    readonly pid: number,
    readonly paths: RuntimePaths,
    readonly qmp: QmpClient,
  ) {}

  /** Starts QEMU, waits until QMP is negotiated (failing fast with the log tail if QEMU exits), then applies startState. */
  static async launch(options: LaunchOptions): Promise<QemuProcess> {
    const paths = runtimePaths(options.runtimeDir);
    const argv = buildQemuArgv(options, paths);
    await prepareRuntimeDir(paths, options.name);
    const logStart = await fileSize(paths.logFile);
    const { child, exited } = await spawnDetached(options.qemuBinary ?? 'qemu-system-x86_64', argv, paths);
    const pid = child.pid ?? 0;
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(paths.qmpSocket, { ...options.qmp, signal: exited });
    } catch (error) {
      if (!exited.aborted) child.kill('SIGKILL');
      if (!exited.aborted) await waitForProcessExit(pid, 2_000);
      throw new QemuLaunchError(`QEMU for ${options.name} did not become ready (${asError(error).message})`, await readLaunchOutput(paths, logStart), {
        cause: error,
      });
    }
    const guest = new QemuProcess(options.name, pid, paths, qmp);
    try {
      await guest.assertPidFileMatches();
      await options.beforeStart?.(qmp);
      await guest.applyStartState(options.startState ?? 'paused');
      return guest;
    } catch (error) {
      await guest.kill().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Re-attaches to a guest after a daemon restart: reads the pidfile, checks /proc/<pid>/cmdline
   * carries this guest's -name and -qmp arguments, and opens a new QMP connection.
   * Throws QemuNotRunningError if the guest is gone.
   */
  static async attach(options: AttachOptions): Promise<QemuProcess> {
    const paths = runtimePaths(options.runtimeDir);
    const pid = await readPidFile(paths.pidFile);
    if (pid === undefined) throw new QemuNotRunningError(`no pidfile for ${options.name} in ${paths.dir}`);
    if (!(await isOurGuest(pid, options.name, paths))) {
      throw new QemuNotRunningError(`pid ${pid} from ${paths.pidFile} is not guest ${options.name} (exited or pid reused)`);
    }
    const qmp = await QmpClient.connect(paths.qmpSocket, { connectTimeoutMs: 5_000, ...options.qmp });
    return new QemuProcess(options.name, pid, paths, qmp);
  }

  /** QMP query-status: `status` is e.g. "prelaunch", "paused", "running". */
  queryStatus(): Promise<QueryStatusReply> {
    return this.qmp.execute<QueryStatusReply>('query-status');
  }

  /** Pauses the vCPUs (QMP stop). */
  async pause(): Promise<void> {
    await this.qmp.execute('stop');
  }

  /** Resumes the vCPUs (QMP cont). */
  async resume(): Promise<void> {
    await this.qmp.execute('cont');
  }

  /** True while the process exists and still is this guest. */
  isAlive(): Promise<boolean> {
    return isOurGuest(this.pid, this.name, this.paths);
  }

  /** Closes the QMP connection and leaves the guest running (daemon shutdown or restart). */
  async detach(): Promise<void> {
    await this.qmp.close();
  }

  /**
   * Stops the guest: QMP quit, then SIGKILL if it has not exited within `graceMs`. Signals are
   * sent only after re-checking the pid's identity. Removes the socket and pidfile afterwards.
   */
  async quit(options: { graceMs?: number } = {}): Promise<StopOutcome> {
    const graceMs = options.graceMs ?? 3_000;
    if (!(await this.isAlive())) {
      await this.cleanUpAfterExit();
      return 'already-exited';
    }
    await this.qmp.execute('quit', undefined, { timeoutMs: graceMs }).catch(() => undefined);
    if (await waitForProcessExit(this.pid, graceMs)) {
      await this.cleanUpAfterExit();
      return 'quit';
    }
    await this.kill();
    return 'killed';
  }

  /** SIGKILLs the guest at once (if the pid is still this guest) and waits for it to disappear. */
  async kill(): Promise<void> {
    if (await this.isAlive()) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      if (!(await waitForProcessExit(this.pid, 10_000))) throw new EngineError('qemu-kill-failed', `QEMU pid ${this.pid} survived SIGKILL`);
    }
    await this.cleanUpAfterExit();
  }

  private async applyStartState(state: 'paused' | 'prelaunch' | 'running'): Promise<void> {
    if (state === 'prelaunch') return;
    await this.resume();
    if (state === 'paused') await this.pause();
  }

  private async assertPidFileMatches(): Promise<void> {
    const pid = await readPidFile(this.paths.pidFile);
    if (pid !== this.pid) throw new EngineError('qemu-pidfile-mismatch', `pidfile says ${pid}, spawned pid is ${this.pid}`);
  }

  private async cleanUpAfterExit(): Promise<void> {
    await this.qmp.close();
    await removeIfExists(this.paths.qmpSocket);
    const pid = await readPidFile(this.paths.pidFile).catch(() => undefined);
    if (pid === this.pid) await removeIfExists(this.paths.pidFile);
  }
}

/** Creates the runtime directory, refuses if the guest already runs, and removes stale socket/pidfile. */
async function prepareRuntimeDir(paths: RuntimePaths, name: string): Promise<void> {
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const pid = await readPidFile(paths.pidFile);
  if (pid !== undefined && (await isProcessAlive(pid)) && (await isOurGuest(pid, name, paths))) {
    throw new EngineError('qemu-already-running', `guest ${name} is already running as pid ${pid}`);
  }
  await removeIfExists(paths.qmpSocket);
  await removeIfExists(paths.pidFile);
}

/**
 * Spawns QEMU in its own session with stdout/stderr appended to the log file (not a pipe, so the
 * daemon can go away). `exited` aborts when the child exits, to stop waiting for QMP at once.
 */
async function spawnDetached(binary: string, argv: string[], paths: RuntimePaths): Promise<{ child: ChildProcess; exited: AbortSignal }> {
  const log = await fs.open(paths.logFile, 'a', 0o600);
  const exitedController = new AbortController();
  let child: ChildProcess;
  let spawnError: Error | undefined;
  try {
    await log.write(`--- ${new Date().toISOString()} launching ${binary}\n`);
    child = spawn(binary, argv, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    child.once('exit', (code, signal) => exitedController.abort(new Error(`QEMU exited (${signal ?? `code ${code}`})`)));
    child.on('error', (error) => {
      spawnError = error;
      exitedController.abort(error);
    });
  } finally {
    await log.close();
  }
  child.unref();
  if (child.pid === undefined) {
    if (!exitedController.signal.aborted) await new Promise((resolve) => exitedController.signal.addEventListener('abort', resolve, { once: true }));
    throw new QemuLaunchError(`cannot start ${binary}: ${spawnError?.message ?? 'spawn failed'}`, '');
  }
  return { child, exited: exitedController.signal };
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/** What QEMU wrote to its log during this launch (from `start`, the log's size before it), without our header, at most 4 KiB. */
async function readLaunchOutput(paths: RuntimePaths, start: number, maxBytes = 4096): Promise<string> {
  let handle;
  try {
    handle = await fs.open(paths.logFile, 'r');
    const size = (await handle.stat()).size;
    const length = Math.min(Math.max(0, size - start), maxBytes * 4);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('--- '));
    return lines.join('\n').slice(0, maxBytes).trim();
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

async function removeIfExists(filePath: string): Promise<void> {
  await fs.rm(filePath, { force: true });
}
