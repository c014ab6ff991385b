// The random-kill test: a seeded mix of every qemu-driver state change on live and stopped guests, with the daemon or QEMU SIGKILLed at random moments.
import { connect, ConnectionClosedError, JsonRpcErrorCode, VirError, type Connection } from '@virtwire/client';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOurGuest, readPidFile, runtimePaths, waitForProcessExit } from '@virtwire/server/qemu-engine';
import { spawnDaemon, type SpawnedDaemon } from '../../helpers/daemon-process.js';
import { canMount, domainXml, killGuestsUnder, QemuSandbox, target } from '../qemu-fixture.js';
import { checkInvariants, observe, type KillPaths, type ObservedDomain } from './invariants.js';
import { chooseOperation, type DomainModel, type Operation, type SnapshotModel } from './operations.js';
import { Random } from './random.js';

/** How a run goes. */
export interface RandomKillOptions {
  rounds: number;
  seed: number;
  /** Stop at the first round with a violation (default true). */
  stopOnViolation?: boolean;
  log?: (line: string) => void;
}

/** One round that broke an invariant. */
export interface Violation {
  round: number;
  operation: string;
  kill: string;
  problems: string[];
}

/** What a run did and found. */
export interface RandomKillReport {
  seed: number;
  rounds: number;
  durationMs: number;
  violations: Violation[];
  /** Rounds by kind of kill: none, daemon, daemon during recovery (extra kills), qemu. */
  kills: Record<'none' | 'daemon' | 'recovery' | 'qemu', number>;
  /** Operations by kind and outcome (`ok`, `failed`, `lost`, `deferred`). */
  outcomes: Record<string, number>;
  /** The 1-minute load average at the start and the end. */
  load: [number, number];
}

/** The guests: one with three disks that starts running, one with two disks that starts shut off. */
const GUESTS = [
  { name: 'k1', disks: 3, running: true },
  { name: 'k2', disks: 2, running: false },
] as const;

/** Longest any one call may take before the round counts as hung. */
const CALL_TIMEOUT_MS = 90_000;

/** What the round killed, and when. */
export type Kill = { type: 'none' } | { type: 'daemon'; delayMs: number; recoveryKills: number } | { type: 'qemu'; delayMs: number; victim: string };

/** How the call ended for the client. */
export type Outcome = { type: 'ok' } | { type: 'failed'; error: VirError } | { type: 'lost'; error: unknown };

/** Runs the random-kill test and reports every violation (seed first in its log, so a failing seed can be replayed). */
export async function runRandomKill(options: RandomKillOptions): Promise<RandomKillReport> {
  const log = options.log ?? ((line: string) => console.info(line));
  const random = new Random(options.seed);
  const started = performance.now();
  const report: RandomKillReport = {
    seed: options.seed,
    rounds: 0,
    durationMs: 0,
    violations: [],
    kills: { none: 0, daemon: 0, recovery: 0, qemu: 0 },
    outcomes: {},
    load: [loadavg()[0]!, 0],
  };
  log(`[random-kill] seed ${options.seed}, ${options.rounds} rounds (replay: VW_RANDOM_KILL_SEED=${options.seed} VW_RANDOM_KILL_ROUNDS=${options.rounds})`);

  const box = QemuSandbox.create('vwk-');
  // tmpfs when we may mount one: this host's ext4 discards synchronously, so each fsync after an unlink costs 100+ ms
  const base = canMount ? box.mountTmpfs(box.path('t'), { sizeBytes: 2 * 1024 * 1024 * 1024 }) : box.root;
  const paths: KillPaths = { state: join(base, 'state'), images: join(base, 'images'), runtime: join(base, 'run') };
  for (const dir of Object.values(paths)) mkdirSync(dir, { recursive: true });
  const names = GUESTS.map((g) => g.name);
  const targets = new Map<string, string[]>(GUESTS.map((g) => [g.name, Array.from({ length: g.disks }, (_, i) => target(i))]));
  const baseImages = new Set<string>();
  const kinds = new Map<string, SnapshotModel>();
  const savedXml = new Map<string, string>();
  const durations = new Map<string, number>();
  let startupMs = 800;
  let daemon: SpawnedDaemon | undefined;
  let conn: Connection | undefined;

  const args = ['--state-dir', paths.state, '--storage-root', paths.images, '--qemu-runtime-dir', paths.runtime, '--qemu-inspection-monitor'];
  /**
   * Starts the daemon; `recoveryKills` times it is SIGKILLed during its start-up first: at a random
   * moment of its recovery once it says it recovers something, else at a random moment of its start.
   */
  const startDaemon = async (recoveryKills: number): Promise<void> => {
    for (let kill = 0; kill < recoveryKills; kill++) {
      const startupDelay = random.next() * startupMs;
      const recoveryDelay = random.next() * 400;
      let child: ChildProcess | undefined;
      let recovering: () => void = () => undefined;
      const recoveryStarted = new Promise<void>((resolve) => (recovering = resolve));
      const attempt = spawnDaemon(args, {}, 60_000, (c) => {
        child = c;
        c.stderr!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('recovering interrupted changes')) recovering();
        });
      });
      const moment = await Promise.race([recoveryStarted.then(() => 'recovery' as const), sleep(startupDelay).then(() => 'start' as const)]);
      if (moment === 'recovery') await sleep(recoveryDelay);
      child?.kill('SIGKILL');
      await attempt.then(
        (d) => d.exited,
        () => undefined,
      );
    }
    const begun = performance.now();
    daemon = await spawnDaemon(args, {}, 60_000);
    startupMs = 0.7 * startupMs + 0.3 * (performance.now() - begun);
    conn = await connect(`qemu+${daemon.wsAddress}/session`);
  };

  try {
    await startDaemon(0);
    for (const guest of GUESTS) {
      const disks = [];
      for (const t of targets.get(guest.name)!) {
        const path = join(paths.images, `${guest.name}-${t}.qcow2`);
        baseImages.add(path);
        disks.push({ target: t, path: await box.image(path) });
      }
      const dom = await conn!.domainDefineXML(domainXml(guest.name, disks));
      if (guest.running) await dom.create();
    }
    let model = await observe(conn!, paths, names, kinds);
    for (const [name, m] of model) if (m.defined) savedXml.set(name, await conn!.domainLookupByName(name).then((d) => d.getXMLDesc(2)));

    for (let round = 1; round <= options.rounds; round++) {
      const roundStart = performance.now();
      const domainName = random.pick(names);
      const before = model;
      const op = chooseOperation(random, before.get(domainName)!, { images: paths.images, targets: targets.get(domainName)! }, `s${round}`);
      const kill = chooseKill(random, before, op, durations.get(op.kind) ?? 400);
      report.kills[kill.type] += 1;
      const ref = { name: domainName, uuid: before.get(domainName)!.uuid, id: -1 };

      const callStart = performance.now();
      const requestKey = `seed${options.seed}-round${round}`;
      const answeringDaemon = daemon!;
      const call = settle(op.run(conn!, ref, requestKey));
      let qemuKilled: string | undefined;
      let killedPid: number | undefined;
      if (kill.type === 'daemon') {
        await Promise.race([sleep(kill.delayMs), call]);
        daemon!.child.kill('SIGKILL');
      } else if (kill.type === 'qemu') {
        await Promise.race([sleep(kill.delayMs), call]);
        killedPid = await killQemu(paths, before.get(kill.victim)!);
        if (killedPid !== undefined) qemuKilled = kill.victim;
      }
      const outcome = await call;
      if (outcome.type !== 'lost') durations.set(op.kind, 0.7 * (durations.get(op.kind) ?? 400) + 0.3 * (performance.now() - callStart));
      if (kill.type === 'daemon') {
        await daemon!.exited;
        await conn!.close().catch(() => undefined);
        report.kills.recovery += kill.recoveryKills;
        await startDaemon(kill.recoveryKills);
      }
      const deferred = outcome.type === 'failed' && /completes this change/.test(outcome.error.message);
      const outcomeName = deferred ? 'deferred' : outcome.type;
      report.outcomes[`${op.kind} ${outcomeName}`] = (report.outcomes[`${op.kind} ${outcomeName}`] ?? 0) + 1;

      const problems: string[] = [];
      if (qemuKilled && !(await noticedDeath(conn!, paths, qemuKilled, killedPid!)))
        problems.push(`the death of ${qemuKilled}'s QEMU (pid ${killedPid}) was not noticed within 10 s`);
      if (op.creates && outcome.type !== 'failed') kinds.set(`${domainName}/${op.creates[0]}`, op.creates[1]);
      const after = await observe(conn!, paths, names, kinds);
      problems.push(...compare(op, outcome, deferred, qemuKilled, kill, before, after));
      // -32603 is the dispatcher's answer to an exception no code path expected: a bug, whatever the kill
      if (outcome.type === 'failed' && outcome.error.code === JsonRpcErrorCode.InternalError)
        problems.push(`${op.kind} answered an internal error (a bug): ${loggedFailure(answeringDaemon, outcome.error.correlationId)}`);
      problems.push(...(await checkInvariants(conn!, paths, names, baseImages)));
      // a keyed call the kill cut off, whose change recovery completed: its retry answers success and changes nothing
      if (op.keyed && kill.type === 'daemon' && outcome.type === 'lost' && isPresent(op, qemuKilled, before.get(domainName)!, after.get(domainName)!)) {
        const retry = await settle(op.run(conn!, ref, requestKey));
        report.outcomes[`${op.kind} retried`] = (report.outcomes[`${op.kind} retried`] ?? 0) + 1;
        if (retry.type !== 'ok')
          problems.push(`the retry of the interrupted ${op.kind} with its request key failed although its change is present: ${describeOutcome(retry)}`);
        const again = (await observe(conn!, paths, names, kinds)).get(domainName)!;
        if (shape(again) !== shape(after.get(domainName)!))
          problems.push(`the retry of the interrupted ${op.kind} changed the domain again: ${shape(after.get(domainName)!)} -> ${shape(again)}`);
      }

      const describe = `${domainName} ${op.kind} ${op.detail}`.trim();
      const killText =
        kill.type === 'none'
          ? 'no kill'
          : kill.type === 'daemon'
            ? `daemon @${Math.round(kill.delayMs)} ms${kill.recoveryKills ? ` +${kill.recoveryKills} during recovery` : ''}`
            : `qemu of ${kill.victim} @${Math.round(kill.delayMs)} ms${qemuKilled ? '' : ' (not running)'}`;
      log(
        `[random-kill] ${round}/${options.rounds} ${describe} | ${killText} | ${outcomeName}${outcome.type === 'failed' ? `: ${outcome.error.message.slice(0, 120)}` : ''} | ${((performance.now() - roundStart) / 1000).toFixed(1)} s`,
      );
      report.rounds = round;
      if (problems.length > 0) {
        report.violations.push({ round, operation: describe, kill: killText, problems });
        log(`[random-kill] VIOLATION in round ${round} (seed ${options.seed}):\n  ${problems.join('\n  ')}`);
        const lines = daemon?.log.filter((l) => /"level":[456]0/.test(l)).slice(-8) ?? [];
        if (lines.length > 0) log(`[random-kill] daemon log:\n  ${lines.join('\n  ')}`);
        if (options.stopOnViolation !== false) break;
      }
      // an undefine-define cut in the middle leaves the domain undefined: define it again to go on
      for (const [name, m] of after) {
        if (!m.defined && m.state === 'shutoff' && savedXml.has(name)) await conn!.domainDefineXML(savedXml.get(name)!);
      }
      model = await observe(conn!, paths, names, kinds);
      for (const [name, m] of model) if (m.defined) savedXml.set(name, await conn!.domainLookupByName(name).then((d) => d.getXMLDesc(2)));
    }
  } finally {
    report.durationMs = performance.now() - started;
    report.load[1] = loadavg()[0]!;
    await conn?.close().catch(() => undefined);
    daemon?.child.kill('SIGKILL');
    await daemon?.exited;
    await killGuestsUnder(paths.runtime);
    box.cleanup();
  }
  log(
    `[random-kill] seed ${report.seed}: ${report.rounds} rounds in ${(report.durationMs / 1000).toFixed(1)} s, ${report.violations.length} with violations; ` +
      `kills ${JSON.stringify(report.kills)}; load ${report.load.map((l) => l.toFixed(2)).join(' -> ')}; outcomes ${JSON.stringify(report.outcomes)}`,
  );
  return report;
}

/** Who dies this round, and when (a uniform moment within the operation's usual duration). */
function chooseKill(random: Random, before: ReadonlyMap<string, ObservedDomain>, op: Operation, usualMs: number): Kill {
  const victims = [...before.values()].filter((d) => d.state !== 'shutoff').map((d) => d.name);
  const type = random.weighted([
    ['none', 2],
    ['daemon', 5],
    ['qemu', victims.length > 0 ? 3 : 0],
  ] as const);
  const delayMs = random.next() * usualMs;
  if (type === 'daemon')
    return {
      type,
      delayMs,
      recoveryKills: random.weighted([
        [0, 6],
        [1, 3],
        [2, 1],
      ] as const),
    };
  if (type === 'qemu') return { type, delayMs, victim: victims.includes(op.domain) && random.chance(0.8) ? op.domain : random.pick(victims) };
  return { type: 'none' };
}

/** SIGKILLs the QEMU of a domain (after checking the pid is still its guest); its pid, or undefined if it was not running. */
async function killQemu(paths: KillPaths, domain: ObservedDomain): Promise<number | undefined> {
  const runtime = runtimePaths(join(paths.runtime, domain.uuid));
  const pid = await readPidFile(runtime.pidFile).catch(() => undefined);
  if (pid === undefined || !(await isOurGuest(pid, domain.uuid, runtime))) return undefined;
  process.kill(pid, 'SIGKILL');
  await waitForProcessExit(pid, 10_000);
  return pid;
}

/**
 * Waits until the daemon no longer counts the killed QEMU as the domain's: it reports the domain
 * shut off, or running on another QEMU (a start or revert in flight replaced it). It must notice
 * at once, not at its next start.
 */
async function noticedDeath(conn: Connection, paths: KillPaths, name: string, pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const dom = await conn.domainLookupByName(name).catch(() => undefined);
    if (!dom || !(await dom.isActive())) return true;
    if ((await readPidFile(join(paths.runtime, dom.uuid, 'qemu.pid')).catch(() => undefined)) !== pid) return true;
    await sleep(20);
  }
  return false;
}

/** How a call ended for the client, within the round's time limit. */
function settle(call: Promise<unknown>): Promise<Outcome> {
  return withTimeout(call, CALL_TIMEOUT_MS).then(
    (): Outcome => ({ type: 'ok' }),
    (error: unknown): Outcome => (VirError.is(error) && !ConnectionClosedError.isInstance(error) ? { type: 'failed', error } : { type: 'lost', error }),
  );
}

function describeOutcome(outcome: Outcome): string {
  return outcome.type === 'ok' ? 'ok' : outcome.type === 'failed' ? `failed: ${outcome.error.message}` : `lost: ${String(outcome.error)}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`call did not return within ${ms} ms`)))]);
}

/** The fields an operation decides, as text, for comparing states. */
function shape(m: DomainModel, options: { state?: boolean } = {}): string {
  const snapshots = [...m.snapshots.keys()].sort().join(',');
  return `defined=${m.defined} ${options.state === false ? '' : `state=${m.state} `}snapshots=[${snapshots}] current=${m.current ?? '-'}`;
}

/** Whether the domain `now` is `target` (a state `was` led to); with `removes`, a subset of `was`'s snapshots without that one. */
function matchesModel(was: DomainModel, now: DomainModel, target: DomainModel, ignoreState: boolean, removes?: string): boolean {
  if (removes !== undefined) {
    const subset = [...now.snapshots.keys()].every((s) => was.snapshots.has(s)) && !now.snapshots.has(removes);
    return subset && now.defined === target.defined && (ignoreState || now.state === target.state);
  }
  return shape(now, { state: !ignoreState }) === shape(target, { state: !ignoreState });
}

/** Whether an interrupted operation's change is wholly present (and it was not simply nothing to do: before and after differ). */
function isPresent(op: Operation, qemuKilled: string | undefined, was: DomainModel, now: DomainModel): boolean {
  const ignoreState = qemuKilled === op.domain;
  return matchesModel(was, now, op.after(was), ignoreState, op.removes) && !matchesModel(was, now, was, ignoreState);
}

/**
 * Whether the round's outcome is legal: an acknowledged success is fully present, an acknowledged
 * failure changed nothing, an interrupted call ended wholly before or wholly after; other domains
 * did not change; a guest that was running and was not itself killed (nor replaced by the call)
 * runs on with the same QEMU.
 */
export function compare(
  op: Operation,
  outcome: Outcome,
  deferred: boolean,
  qemuKilled: string | undefined,
  kill: Kill,
  before: ReadonlyMap<string, ObservedDomain>,
  after: ReadonlyMap<string, ObservedDomain>,
): string[] {
  const problems: string[] = [];
  for (const [name, was] of before) {
    const now = after.get(name)!;
    const killedHere = qemuKilled === name;
    if (killedHere && now.state !== 'shutoff' && !(name === op.domain && op.changesProcess))
      problems.push(`${name}: its QEMU was killed, yet it is ${now.state}`);
    const sameProcess = was.state !== 'shutoff' && !killedHere && !(name === op.domain && op.changesProcess);
    if (sameProcess && (now.state === 'shutoff' || now.pid !== was.pid))
      problems.push(`${name}: was ${was.state} with QEMU ${was.pid}, now ${now.state} with QEMU ${now.pid ?? 'none'}`);
    if (name !== op.domain) {
      if (shape(now, { state: false }) !== shape(was, { state: false })) problems.push(`${name} changed without a call: ${shape(was)} -> ${shape(now)}`);
      continue;
    }
    const expected = op.after(was);
    const ignoreState = killedHere;
    const isAfter = matchesModel(was, now, expected, ignoreState, op.removes);
    const isBefore = matchesModel(was, now, was, ignoreState);
    const isBetween = op.between !== undefined && matchesModel(was, now, op.between(was), ignoreState);
    const indeterminate = outcome.type === 'lost' || deferred || killedHere;
    if (outcome.type === 'ok' && !isAfter) problems.push(`acknowledged ${op.kind} is not (wholly) present: expected ${shape(expected)}, found ${shape(now)}`);
    else if (outcome.type === 'failed' && !deferred && !killedHere && !isBefore)
      problems.push(`failed ${op.kind} changed the domain: ${shape(was)} -> ${shape(now)}`);
    else if (indeterminate && outcome.type !== 'ok' && !isBefore && !isAfter && !isBetween)
      problems.push(`interrupted ${op.kind} is neither undone nor done: before ${shape(was)}, after-success ${shape(expected)}, found ${shape(now)}`);
  }
  void kill;
  return problems;
}

/** What the daemon logged for the failure with `correlationId` (its message and the first lines of the stack), for the report. */
function loggedFailure(daemon: SpawnedDaemon, correlationId: string | undefined): string {
  if (!correlationId) return 'no correlation id';
  const line = daemon
    .stderr()
    .split('\n')
    .find((l) => l.includes(correlationId));
  if (!line) return `correlation id ${correlationId}, not in the daemon's log`;
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string; stack?: string } };
    return `${entry.msg ?? ''}: ${entry.err?.stack?.split('\n').slice(0, 6).join(' | ') ?? entry.err?.message ?? line}`;
  } catch {
    return line.slice(0, 600);
  }
}
