// Named crash points for crash-consistency tests: inert unless VIRTWIRE_FAILPOINTS names them.
import type { Failpoint } from './engine/index.js';

/** The environment variable that enables failpoints: a comma-separated list of names. */
export const FAILPOINTS_ENV = 'VIRTWIRE_FAILPOINTS';

/**
 * The set of enabled failpoints (etcd's gofail, in miniature). Reaching an enabled point makes the
 * daemon SIGKILL itself there, so a test can restart it and check what recovery makes of the state.
 * Production daemons run with none enabled; then every `reach` is a set lookup.
 */
export class Failpoints {
  private readonly names: ReadonlySet<string>;
  private suspended = false;

  constructor(names: Iterable<string> = []) {
    this.names = new Set([...names].map((n) => n.trim()).filter((n) => n.length > 0));
  }

  /** The failpoints named by `$VIRTWIRE_FAILPOINTS`. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): Failpoints {
    return new Failpoints((env[FAILPOINTS_ENV] ?? '').split(','));
  }

  /** Reaches point `name`: if it is enabled the process dies here, at once, without cleanup. */
  reach(name: string): void {
    if (!this.suspended && this.names.has(name)) process.kill(process.pid, 'SIGKILL');
  }

  /**
   * Runs `action` with every failpoint inert: start-up recovery replays the same steps as the
   * calls it completes, and a crash test means the points of the calls, not of their recovery.
   */
  async whileSuspended<T>(action: () => Promise<T>): Promise<T> {
    this.suspended = true;
    try {
      return await action();
    } finally {
      this.suspended = false;
    }
  }

  /**
   * An engine failpoint hook: engine step `live-external:before-transaction` of operation
   * `qemu.snapshot-create` is the point `qemu.snapshot-create.live-external.before-transaction`
   * (plus `.<suffix>`, e.g. a disk target, when given).
   */
  engineHook(operation: string, suffix?: string): Failpoint {
    return (step: string) => this.reach(engineFailpointName(operation, step, suffix));
  }
}

/** The failpoint name of an engine step inside a driver operation. */
export function engineFailpointName(operation: string, step: string, suffix?: string): string {
  const name = `${operation}.${step.replaceAll(':', '.')}`;
  return suffix === undefined ? name : `${name}.${suffix}`;
}
