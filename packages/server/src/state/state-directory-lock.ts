// One daemon per state directory: an exclusive lock the kernel releases when the holder dies, taken before anything else is touched.
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fsx from 'fs-native-extensions';

/** The lock file inside the state directory (it holds the holder's pid, for the error message). */
export const STATE_LOCK_FILE = 'virtwired.lock';

/**
 * The daemon's exclusive hold on its state directory (libvirt's driver pidfile lock). It is an
 * open-file-description lock (Linux `F_OFD_SETLK`), so it needs no stale-lock heuristics: the
 * kernel drops it the moment the holding process exits, SIGKILL included, and a child process
 * (QEMU) never inherits it. A second daemon fails here, before it reads or changes any state.
 */
export class StateDirectoryLock {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
  ) {}

  /** Takes the lock of `stateDir` (created 0700 if missing), or throws naming the daemon that holds it. */
  static acquire(stateDir: string): StateDirectoryLock {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const path = join(stateDir, STATE_LOCK_FILE);
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    let locked = false;
    try {
      locked = fsx.tryLock(fd);
    } finally {
      if (!locked) closeSync(fd);
    }
    if (!locked) {
      const holder = readHolder(path);
      throw new Error(`state directory ${stateDir} is in use by another virtwired${holder === undefined ? '' : ` (pid ${holder})`}`);
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return new StateDirectoryLock(path, fd);
  }

  /** Releases the lock (the daemon stopped). The file stays: removing it would race with the next holder. */
  release(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
