// What must hold after every round of the random-kill test, whoever was killed: observed from the daemon, the files, /proc and QEMU itself.
import { DomainXMLFlags, type Connection, type Domain } from '@virtwire/client';
import { parseSnapshotXml } from '@virtwire/protocol/xml';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImage, imageInfo, QmpClient, readPidFile, type QueryJobsEntry } from '@virtwire/server/qemu-engine';
import { snapshotImage } from '@virtwire/server/testing';
import { blockGraph, listFiles } from '../qemu-fixture.js';
import type { DomainModel, SnapshotModel } from './operations.js';

/** Where one daemon keeps everything. */
export interface KillPaths {
  state: string;
  images: string;
  runtime: string;
}

/** A domain as the daemon reports it, plus its QEMU pid. */
export interface ObservedDomain extends DomainModel {
  uuid: string;
  pid: number | undefined;
}

const STATE_NAMES: Record<number, DomainModel['state']> = { 1: 'running', 3: 'paused', 5: 'shutoff' };

/** Reads every domain's state, snapshots, current snapshot and QEMU pid from the daemon (and the pidfile). */
export async function observe(
  conn: Connection,
  paths: KillPaths,
  names: readonly string[],
  kinds: ReadonlyMap<string, SnapshotModel>,
): Promise<Map<string, ObservedDomain>> {
  const result = new Map<string, ObservedDomain>();
  for (const name of names) {
    const dom = await conn.domainLookupByName(name).catch(() => undefined);
    if (!dom) {
      result.set(name, { name, uuid: '', defined: false, state: 'shutoff', snapshots: new Map(), current: null, chainDepth: 0, pid: undefined });
      continue;
    }
    const { state } = await dom.getState();
    const snapshots = new Map<string, SnapshotModel>();
    for (const s of await dom.listAllSnapshots()) {
      const def = parseSnapshotXml(await s.getXMLDesc(), { redefine: true });
      const images = def.disks.flatMap((d) =>
        d.snapshot === 'external' ? [d.source ?? ''] : d.snapshot === 'internal' ? [snapshotImage(def, d.name)?.[0]?.path ?? ''] : [],
      );
      const known = kinds.get(`${name}/${s.name}`) ?? { kind: 'live-external', revertsTo: 'shutoff' };
      snapshots.set(s.name, { ...known, images });
    }
    const current = (await dom.hasCurrentSnapshot()) ? (await dom.snapshotCurrent()).name : null;
    const xml = await dom.getXMLDesc(DomainXMLFlags.Inactive);
    const disks = xml.split('<disk ').slice(1);
    const depth = Math.max(...disks.map((disk) => (disk.match(/<source file=/g) ?? []).length), 0);
    const tops = (await dom.getXMLDesc())
      .split('<disk ')
      .slice(1)
      .map((disk) => /<source file='([^']+)'/.exec(disk)?.[1] ?? '');
    const runState = STATE_NAMES[state] ?? 'running';
    const pid = runState === 'shutoff' ? undefined : await readPidFile(join(paths.runtime, dom.uuid, 'qemu.pid')).catch(() => undefined);
    result.set(name, { name, uuid: dom.uuid, defined: await dom.isPersistent(), state: runState, snapshots, current, chainDepth: depth, tops, pid });
  }
  return result;
}

/** QEMU processes of this runtime directory: uuid to pids (from /proc, whatever the daemon thinks). */
export function qemuProcesses(runtime: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const qmp = argv.findIndex((a, i) => a === '-qmp' && argv[i + 1]?.startsWith(`unix:${runtime}/`));
    if (qmp < 0) continue;
    const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    if (/\) [ZX] /.test(stat)) continue;
    const uuid = argv[qmp + 1]!.slice(`unix:${runtime}/`.length).split('/')[0]!;
    found.set(uuid, [...(found.get(uuid) ?? []), Number(entry)]);
  }
  return found;
}

/** Every image path a domain's XML or its snapshots' XML names. */
async function referencedFiles(dom: Domain): Promise<Set<string>> {
  const refs = new Set<string>();
  const add = (xml: string) => {
    for (const match of xml.matchAll(/file='([^']+)'/g)) refs.add(match[1]!);
  };
  add(await dom.getXMLDesc());
  add(await dom.getXMLDesc(DomainXMLFlags.Inactive));
  for (const snapshot of await dom.listAllSnapshots()) add(await snapshot.getXMLDesc());
  return refs;
}

/** Every file below `dir` whose name marks a temp file of a durable write. */
function tempFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => f.includes('.vwtmp-'));
}

/**
 * The invariants of issue 17, once recovery is done: intent records, temp files, QEMU jobs all
 * gone; every QEMU of the daemon's accounted for by a running or paused domain and none missing;
 * no file under the storage root unreferenced (the test's own base images aside); `qemu-img check`
 * clean everywhere; every snapshot wholly present (each internal tag on every disk it covers, each
 * external overlay there) and no tag on any image that no snapshot records; every running guest's
 * QEMU using exactly the chains its live XML declares, with no stray node. Returns the violations.
 */
export async function checkInvariants(conn: Connection, paths: KillPaths, names: readonly string[], baseImages: ReadonlySet<string>): Promise<string[]> {
  const violations: string[] = [];
  const intents = join(paths.state, 'qemu', 'intents');
  const left = existsSync(intents) ? readdirSync(intents) : [];
  if (left.length > 0) violations.push(`intent records left: ${left.join(', ')}`);
  const temps = [...tempFiles(paths.state), ...tempFiles(paths.runtime), ...tempFiles(paths.images)];
  if (temps.length > 0) violations.push(`temp files left: ${temps.join(', ')}`);

  const domains = (await conn.listAllDomains()).filter((d) => names.includes(d.name));
  const processes = qemuProcesses(paths.runtime);
  const referenced = new Set<string>(baseImages);
  const memoryFiles = new Set<string>();
  /** image path -> tags snapshots record on it */
  const recordedTags = new Map<string, Set<string>>();
  for (const dom of domains) {
    const { state } = await dom.getState();
    const active = state !== 5;
    const pids = processes.get(dom.uuid) ?? [];
    processes.delete(dom.uuid);
    const pidfile = await readPidFile(join(paths.runtime, dom.uuid, 'qemu.pid')).catch(() => undefined);
    if (active && (pids.length !== 1 || pids[0] !== pidfile))
      violations.push(`${dom.name} is reported ${STATE_NAMES[state]} but its QEMU processes are [${pids.join(', ')}] (pidfile ${pidfile ?? 'none'})`);
    if (!active && pids.length > 0) violations.push(`${dom.name} is reported shut off but QEMU runs for it: pids ${pids.join(', ')}`);
    for (const file of await referencedFiles(dom)) referenced.add(file);
    for (const snapshot of await dom.listAllSnapshots()) {
      const def = parseSnapshotXml(await snapshot.getXMLDesc(), { redefine: true });
      if (def.memory?.snapshot === 'external' && def.memory.file !== undefined) {
        // a memory file is no image: referenced by its snapshot, present, and a whole migration stream
        memoryFiles.add(def.memory.file);
        referenced.add(def.memory.file);
        if (!existsSync(def.memory.file) || !readFileSync(def.memory.file).subarray(0, 4).equals(Buffer.from('QEVM')))
          violations.push(`${dom.name}/${snapshot.name}: memory file ${def.memory.file} is missing or holds no migration stream`);
      }
      for (const disk of def.disks) {
        if (disk.snapshot === 'internal') {
          const image = snapshotImage(def, disk.name)?.[0]?.path;
          if (image) recordedTags.set(image, (recordedTags.get(image) ?? new Set()).add(snapshot.name));
          else violations.push(`${dom.name}/${snapshot.name}: no recorded image for internal disk ${disk.name}`);
        } else if (disk.snapshot === 'external' && (!disk.source || !existsSync(disk.source))) {
          violations.push(`${dom.name}/${snapshot.name}: overlay ${disk.source ?? '(none)'} of disk ${disk.name} is missing`);
        }
      }
    }
    if (active) await checkQemu(dom, state, paths, violations);
  }
  for (const [uuid, pids] of processes) violations.push(`QEMU pids ${pids.join(', ')} (guest ${uuid}) belong to no running or paused domain`);

  for (const file of listFiles(paths.images)) {
    const path = join(paths.images, file);
    if (!referenced.has(path)) violations.push(`unreferenced file ${path}`);
    if (memoryFiles.has(path) || path.endsWith('.mem')) continue;
    const check = await checkImage(path, { shareLocks: true }).catch((error: Error) => ({ error: error.message }));
    if ('error' in check) violations.push(`qemu-img check ${path}: ${check.error}`);
    else if (check['check-errors'] !== 0 || (check.corruptions ?? 0) !== 0 || (check.leaks ?? 0) !== 0)
      violations.push(`qemu-img check ${path}: ${JSON.stringify(check)}`);
    const info = await imageInfo(path, { shareLocks: true }).catch(() => undefined);
    const tags = new Set((info?.snapshots ?? []).map((s) => s.name));
    const recorded = recordedTags.get(path) ?? new Set<string>();
    for (const tag of tags) if (!recorded.has(tag)) violations.push(`${path} carries tag '${tag}' that no snapshot records`);
    for (const tag of recorded) if (!tags.has(tag)) violations.push(`${path} lacks tag '${tag}' of snapshot ${tag}`);
  }
  return violations;
}

/**
 * A running or paused guest, seen through its inspection monitor (its disks flushed first): QEMU's
 * run state is the reported one and holds its images (not `postmigrate`, where a finished migration
 * left them inactive, nor a start's `prelaunch` or `inmigrate`), no QEMU job, its chains as its live
 * XML says, no stray block node.
 */
async function checkQemu(dom: Domain, state: number, paths: KillPaths, violations: string[]): Promise<void> {
  let monitor: QmpClient;
  try {
    monitor = await QmpClient.connect(join(paths.runtime, dom.uuid, 'monitor.sock'), { connectTimeoutMs: 5_000 });
  } catch (error) {
    violations.push(`${dom.name}: cannot open the inspection monitor: ${(error as Error).message}`);
    return;
  }
  try {
    const { status, running } = await monitor.execute<{ status: string; running: boolean }>('query-status');
    if (running !== (state === 1)) violations.push(`${dom.name} is reported ${STATE_NAMES[state]} but QEMU's run state is ${status}`);
    if (['postmigrate', 'inmigrate', 'prelaunch', 'finish-migrate'].includes(status))
      violations.push(`${dom.name} is reported ${STATE_NAMES[state]} but QEMU's run state is ${status}: its images are not in use`);
    const jobs = await monitor.execute<QueryJobsEntry[]>('query-jobs');
    if (jobs.length > 0) violations.push(`${dom.name}: QEMU jobs left: ${jobs.map((j) => `${j.id} (${j.status})`).join(', ')}`);
    const graph = await blockGraph(monitor);
    // QEMU keeps qcow2 metadata in its caches: flush every disk, so qemu-img check -U reads what QEMU knows
    for (const target of Object.keys(graph.disks)) {
      await monitor.execute('human-monitor-command', { 'command-line': `qemu-io -d /machine/peripheral/${target}/virtio-backend "flush"` });
    }
    const xml = await dom.getXMLDesc();
    let layers = 0;
    for (const disk of xml.split('<disk ').slice(1)) {
      const target = /<target dev='([^']+)'/.exec(disk)?.[1];
      const chain = [...disk.matchAll(/<source file='([^']+)'/g)].map((m) => m[1]!);
      layers += chain.length;
      if (target && JSON.stringify(graph.disks[target]?.chain) !== JSON.stringify(chain)) {
        violations.push(`${dom.name}/${target}: QEMU uses ${JSON.stringify(graph.disks[target]?.chain)}, the live XML says ${JSON.stringify(chain)}`);
      }
    }
    if (graph.nodes.length !== 2 * layers)
      violations.push(`${dom.name}: ${graph.nodes.length} block nodes for ${layers} image layers: ${graph.nodes.join(', ')}`);
  } finally {
    await monitor.close();
  }
}
