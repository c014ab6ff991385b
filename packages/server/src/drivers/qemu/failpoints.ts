// Named crash points for crash-consistency tests: inert unless VIRTWIRE_FAILPOINTS names them.
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Failpoint } from './engine/index.js';

/** The environment variable that enables failpoints: a comma-separated list of names. */
export const FAILPOINTS_ENV = 'VIRTWIRE_FAILPOINTS';

/** What happens at an enabled failpoint: the daemon dies, or (engine steps only) it waits while a test acts on QEMU. */
type Action = { type: 'kill' } | { type: 'pause'; marker: string };

/** Longest a paused failpoint waits for the test. */
const PAUSE_LIMIT_MS = 120_000;

/**
 * The set of enabled failpoints (etcd's gofail, in miniature). `name` makes the daemon SIGKILL
 * itself at that point, so a test can restart it and check what recovery makes of the state.
 * `name=pause:<file>` (engine steps only) writes `<file>` and waits until the test removes it:
 * meanwhile the test can kill or change QEMU at an exact moment of an operation. Production
 * daemons run with none enabled; then every `reach` is a map lookup.
 */
export class Failpoints {
  private readonly actions: ReadonlyMap<string, Action>;
  private suspended = false;

  constructor(specs: Iterable<string> = []) {
    const actions = new Map<string, Action>();
    for (const spec of [...specs].map((n) => n.trim()).filter((n) => n.length > 0)) {
      const at = spec.indexOf('=pause:');
      if (at < 0) actions.set(spec, { type: 'kill' });
      else actions.set(spec.slice(0, at), { type: 'pause', marker: spec.slice(at + '=pause:'.length) });
    }
    this.actions = actions;
  }

  /** The failpoints named by `$VIRTWIRE_FAILPOINTS`. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): Failpoints {
    return new Failpoints((env[FAILPOINTS_ENV] ?? '').split(','));
  }

  /** Reaches point `name`: if it is enabled the process dies here, at once, without cleanup. */
  reach(name: string): void {
    if (!this.suspended && this.actions.get(name)?.type === 'kill') process.kill(process.pid, 'SIGKILL');
  }

  /** Reaches point `name` where the caller can wait: a kill point kills, a pause point waits for the test. */
  async reachOrPause(name: string): Promise<void> {
    this.reach(name);
    const action = this.actions.get(name);
    if (this.suspended || action?.type !== 'pause') return;
    writeFileSync(action.marker, name);
    const deadline = Date.now() + PAUSE_LIMIT_MS;
    while (existsSync(action.marker) && Date.now() < deadline) await sleep(10);
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
    return (step: string) => this.reachOrPause(engineFailpointName(operation, step, suffix));
  }
}

/** The failpoint name of an engine step inside a driver operation. */
export function engineFailpointName(operation: string, step: string, suffix?: string): string {
  const name = `${operation}.${step.replaceAll(':', '.')}`;
  return suffix === undefined ? name : `${name}.${suffix}`;
}
