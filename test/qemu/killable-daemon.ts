// A qemu-driver daemon the crash tests start, SIGKILL and start again over one state directory, optionally dying at a failpoint.
import { connect, type Connection } from '@virtwire/client';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { failure } from '../helpers/errors.js';
import { spawnDaemon, type SpawnedDaemon } from '../helpers/daemon-process.js';

/** A running daemon and a connection to its `qemu:///session`. */
export interface RunningDaemon {
  daemon: SpawnedDaemon;
  conn: Connection;
}

/** Where the daemons keep their state, the images (their storage root) and QEMU's runtime files. */
export interface KillablePaths {
  state: string;
  images: string;
  runtime: string;
}

/** Daemons over `state/`, `images/` and `run/` of `dir`; every one still running is killed by {@link KillableDaemons.killAll}. */
export class KillableDaemons {
  readonly paths: KillablePaths;
  private readonly running = new Set<SpawnedDaemon>();

  constructor(dir: string) {
    this.paths = { state: join(dir, 'state'), images: join(dir, 'images'), runtime: join(dir, 'run') };
  }

  /** Starts a daemon (that SIGKILLs itself at `failpoint`, if given) and connects to it. */
  async start(failpoint = ''): Promise<RunningDaemon> {
    for (const path of Object.values(this.paths)) mkdirSync(path, { recursive: true });
    const args = ['--state-dir', this.paths.state, '--storage-root', this.paths.images, '--qemu-runtime-dir', this.paths.runtime];
    const daemon = await spawnDaemon(args, failpoint ? { VIRTWIRE_FAILPOINTS: failpoint } : {});
    this.running.add(daemon);
    return { daemon, conn: await connect(`qemu+${daemon.wsAddress}/session`) };
  }

  /** Closes the connection and SIGKILLs the daemon (its guests live on). */
  async stop({ daemon, conn }: RunningDaemon): Promise<void> {
    await conn.close();
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    this.running.delete(daemon);
  }

  /** Makes `call` on a daemon that dies at `failpoint` (the call loses its connection), then starts a fresh one, whose start-up recovers. */
  async killedAt(failpoint: string, call: (conn: Connection) => Promise<unknown>): Promise<RunningDaemon> {
    const dying = await this.start(failpoint);
    const lost = await failure(call(dying.conn));
    expect(`${lost.name}: ${lost.message}`).toMatch(/^ConnectionClosedError/);
    await dying.daemon.exited;
    this.running.delete(dying.daemon);
    return this.start();
  }

  /** SIGKILLs every daemon still running. */
  async killAll(): Promise<void> {
    for (const daemon of this.running) daemon.child.kill('SIGKILL');
    await Promise.all([...this.running].map((d) => d.exited));
    this.running.clear();
  }
}
