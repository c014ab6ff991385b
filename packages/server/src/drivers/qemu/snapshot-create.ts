// The qemu driver's DomainSnapshotCreateXML: plan, journal, one atomic engine operation, one commit point.
import { DomainSnapshotCreateFlags as Create, ErrorDomain, ErrorNumber, VirError, type DriverCapabilities } from '@virtwire/protocol';
import type { JobControl } from '../../jobs/job-control.js';
import { parseSnapshotXml, type SnapshotDef } from '@virtwire/protocol/xml';
import { hostDomainDefaults } from './host-domain-defaults.js';
import { canonicalSnapshotDomains } from '../../conf/snapshot-domain-copy.js';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import { redefineSnapshot } from '../../conf/snapshot-redefine.js';
import { confineSnapshotDefinition } from '../../storage/definition-paths.js';
import { checkSnapshotName } from './snapshot-names.js';
import { checkRedefinedState } from './snapshot-state-check.js';
import {
  createLiveExternalSnapshot,
  createLiveInternalDiskSnapshot,
  createOfflineExternalSnapshot,
  createOfflineInternalSnapshot,
  imageInfo,
  PreconditionError,
  readLiveDisks,
  saveLiveCheckpoint,
  type LiveDisk,
  type OperationResult,
  type ReservedFile,
} from './engine/index.js';
import { GuestAgentSession } from './guest-agent.js';
import { memorySaver, resumeAfterMemory } from './snapshot-memory.js';
import { stopGuest } from './guest-lifecycle.js';
import { journaledCall, runIntent } from './intent-runner.js';
import { reservePlannedFile, rollBackFiles } from './intent-files.js';
import { nvramToSave, saveNvramCopy, type NvramCopy } from './snapshot-nvram.js';
import { driverFirmware } from './uefi-firmware.js';
import type { OperationCall } from '../driver.js';
import type { CreateIntent, Intent } from './qemu-intent.js';
import { operationError } from './vir-error-from-engine.js';
import { DomainState } from '@virtwire/protocol';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { checkCreateFlags, confinedDiskFiles, planSnapshot, type SnapshotPlan } from './snapshot-plan.js';
import { formatSnapshotFile } from './state-layout.js';
import type { FileChange, StateChange } from './state-change.js';
import { persistMetadata, reloadSnapshots } from './snapshot-metadata.js';
import { StepTiming } from './step-timing.js';

const OPERATION = 'qemu.snapshot-create';

/** Kinds whose commit point is QEMU switching the disks: recovery asks QEMU (or the images), so no journal write marks it. */
const LIVE_KINDS: ReadonlySet<SnapshotPlan['kind']> = new Set(['live-external', 'live-internal-disk', 'live-checkpoint']);

/**
 * Creates a snapshot (libvirt's qemuSnapshotCreateXML). Checks everything first; writes a durable
 * intent record before the first side effect; runs one engine operation that is atomic over all
 * disks (QMP `transaction`, `snapshot-save`, or qemu-img with compensation); then commits: journal
 * phase, snapshot metadata, domain definitions, in that order. An operation that failed without
 * undoing itself completely (QEMU died under it) is recovered at once: every disk or none.
 * Returns the snapshot's name.
 */
export async function createSnapshot(
  host: QemuHost,
  domain: QemuDomain,
  xml: string,
  flags: number,
  capabilities: DriverCapabilities,
  call: OperationCall = {},
): Promise<string> {
  const { job } = call;
  checkCreateFlags(domain, flags);
  const redefine = (flags & Create.Redefine) !== 0;
  const offline = (flags & Create.DiskOnly) !== 0 || !domain.active;
  const parsed = parseSnapshotXml(xml, { redefine, validate: (flags & Create.Validate) !== 0, saveCookie: true, offline });
  if (redefine) {
    canonicalSnapshotDomains(parsed, hostDomainDefaults(host.services.qemuBinary));
    return redefineAndPersist(host, domain, parsed, flags);
  }

  const started = performance.now();
  const plan = await planSnapshot(host, domain, parsed, flags, capabilities);
  const timing = new StepTiming();
  timing.mark('planned');
  // virDomainAbortJob is honoured between the engine's steps, up to the commit point
  job?.abortable();
  job?.checkpoint();
  const request = journaledCall(call, { name: plan.def.name, domain: domain.ref() });
  const nvram = nvramToSave(host, domain, plan.def.name, plan.keepMetadata);
  // QEMU reads the disks (a layer's details for every layer of every chain) while the intent is journaled
  const liveDisks = addsLiveOverlays(plan) && domain.guest ? readLiveDisks(domain.guest.qmp) : undefined;
  liveDisks?.catch(() => undefined);
  const run = (intent: Intent<CreateIntent>, memoryFile?: ReservedFile) => runEngine(host, domain, plan, intent, { timing, job, memoryFile, liveDisks });
  let thawFailure: unknown;
  await runIntent(
    host,
    domain,
    createIntent(host, domain, plan, nvram),
    async (intent) => {
      if (nvram) await saveNvramCopy(intent, nvram);
      const memoryFile = plan.memory ? await reservePlannedFile(intent, plan.memory.file) : undefined;
      timing.mark('engine-start');
      const result = plan.quiesce
        ? await frozen(
            host,
            domain,
            () => run(intent, memoryFile),
            (error) => (thawFailure = error),
          )
        : await run(intent, memoryFile);
      if (!result.ok) {
        const action = plan.tag === undefined ? 'unable to create overlay' : `unable to create internal snapshot '${plan.tag}'`;
        const error = operationError(
          result,
          action,
          plan.disks.map((d) => ({ target: d.target, overlayPath: d.overlay, source: d.chain[0]?.path })),
        );
        if (result.rolledBack) {
          // the engine undid (and verified) its disks; what else the create wrote goes too: nothing to recover
          await rollBackFiles(intent.payload.files);
          if (intent.payload.memory) await resumeAfterMemory(host, domain, intent.payload.memory, false);
          intent.finish();
        }
        if (VirError.is(result.error) && result.error.code === ErrorNumber.OperationAborted) {
          throw VirError.report(ErrorNumber.OperationAborted, ErrorDomain.Qemu, result.error.str2 ?? 'snapshot job: canceled by client', {
            disks: error.disks,
          });
        }
        throw error;
      }
      job?.commit();
      timing.mark('engine-done');
      intent.reach('disks-switched');
      await commitCreate(host, domain, plan, intent);
      timing.mark('committed');
    },
    { request },
  );
  if (thawFailure !== undefined) throw thawFailedAfterCreate(plan.def.name, thawFailure);

  host.services.log.debug(
    {
      domain: domain.name,
      snapshot: plan.def.name,
      kind: plan.kind,
      disks: plan.disks.length,
      totalMs: performance.now() - started,
      transactionMs: timing.between('transaction', 'engine-done'),
      intentMs: timing.between('planned', 'engine-start'),
      engineMs: timing.between('engine-start', 'engine-done'),
      commitMs: timing.between('engine-done', 'committed'),
    },
    'snapshot created',
  );
  return plan.def.name;
}

function plannedFiles(plan: SnapshotPlan): string[] {
  return plan.reuse ? [] : plan.disks.flatMap((d) => (d.overlay === undefined ? [] : [d.overlay]));
}

/**
 * Whether the create adds overlays to a running QEMU (a live external create with disks). Such a
 * create asks QEMU for its disks before its intent is written, and journals its state files while
 * QEMU adds the overlay nodes instead of in its first record: formatting them (four XML documents
 * of the domain's size) then costs the daemon nothing QEMU waits for.
 */
function addsLiveOverlays(plan: SnapshotPlan): boolean {
  return plan.kind === 'live-external' && plan.disks.length > 0;
}

/** The intent of a create: what recovery needs to find out whether it happened, and the state to write if it did. */
function createIntent(host: QemuHost, domain: QemuDomain, plan: SnapshotPlan, nvram: NvramCopy | undefined): CreateIntent {
  const intent: CreateIntent = {
    kind: 'snapshot-create',
    createKind: plan.kind,
    snapshotName: plan.def.name,
    disks: plan.disks.map((d) => ({ target: d.target, image: d.chain[0]!, ...(d.overlay === undefined ? {} : { overlay: d.overlay }) })),
    files: { planned: [...plannedFiles(plan), ...(nvram ? [nvram.to] : []), ...(plan.memory ? [plan.memory.file] : [])], reserved: [] },
    halt: plan.halt,
  };
  if (!addsLiveOverlays(plan)) intent.change = createChange(host, domain, plan);
  if (plan.tag !== undefined) intent.tag = plan.tag;
  if (plan.quiesce) intent.quiesce = true;
  if (plan.memory) {
    const wasRunning = domain.state === DomainState.Running;
    intent.memory = { file: plan.memory.file, live: plan.memory.live, wasRunning, ...(wasRunning ? {} : { pausedReason: domain.reason }) };
  }
  return intent;
}

/** The files a create writes at its commit point. */
function createChange(host: QemuHost, domain: QemuDomain, plan: SnapshotPlan): StateChange {
  const { layout } = host.services;
  const metadata: FileChange[] = [];
  if (plan.keepMetadata) {
    const previous = domain.snapshots.current;
    if (previous) plan.def.parent = previous.def.name;
    metadata.push({ path: layout.snapshotFile(domain.name, plan.def.name), content: formatSnapshotFile(plan.def, true) });
    if (previous) metadata.push({ path: layout.snapshotFile(domain.name, previous.def.name), content: formatSnapshotFile(previous.def, false) });
  }
  const definitions: FileChange[] = [];
  if (plan.newDefinition && domain.persistent) definitions.push({ path: layout.domainFile(domain.name), content: plan.newDefinition.format({ secure: true }) });
  const change: StateChange = { metadata, definitions };
  if (plan.newLive) change.status = { live: plan.newLive.format({ secure: true }) };
  return change;
}

/** What one engine run of a create works with besides the plan and its intent. */
interface EngineRun {
  timing: StepTiming;
  job: JobControl | undefined;
  /** The memory file reserved for an external memory snapshot. */
  memoryFile: ReservedFile | undefined;
  /** The guest's disks, asked of QEMU before the intent was journaled (live external snapshots). */
  liveDisks: Promise<Map<string, LiveDisk>> | undefined;
}

/** Runs the one engine operation that changes every disk of the plan at once (or none). */
function runEngine(host: QemuHost, domain: QemuDomain, plan: SnapshotPlan, intent: Intent<CreateIntent>, run: EngineRun): Promise<OperationResult> {
  const { timing, job, memoryFile, liveDisks } = run;
  const { failpoints, qemuImg } = host.services;
  const hook = failpoints.engineHook(OPERATION);
  const failpoint = async (step: string) => {
    const commitNext = step.endsWith(':before-transaction') || step.endsWith(':before-save');
    if (commitNext) timing.mark('transaction');
    // a paused test point stops waiting when an abort is asked for (production points never wait)
    await (job ? Promise.race([hook(step), job.abortRequested]) : hook(step));
    // an abort stops the operation here (the engine undoes what it prepared); the step after this one commits
    job?.checkpoint();
    if (commitNext) job?.commit();
  };
  const common = {
    failpoint,
    onFilesReserved: (files: readonly { path: string; dev: number; ino: number }[]) => intent.recordFiles(files),
    ...(job ? { onJobProgress: job.reportProgress } : {}),
  };
  const qmp = domain.guest?.qmp;
  const tag = plan.tag ?? '';
  switch (plan.kind) {
    case 'live-external': {
      const saveMemory = memoryFile ? memorySaver(host, domain, intent, memoryFile, failpoint, job) : undefined;
      if (saveMemory && plan.disks.length === 0) return memoryOnly(saveMemory, failpoint);
      return createLiveExternalSnapshot(
        qmp!,
        plan.disks.map((d) => ({ target: d.target, overlayPath: d.overlay!, reuseExisting: plan.reuse })),
        {
          ...common,
          qemuImg,
          overlayCreation: host.services.overlayCreation,
          ...(saveMemory ? { saveMemory } : {}),
          ...(liveDisks ? { liveDisks } : {}),
          ...(addsLiveOverlays(plan) ? { whileNodesAreAdded: () => intent.attachChange(createChange(host, domain, plan)) } : {}),
        },
      );
    }
    case 'offline-external':
      if (plan.reuse) return checkReusedOverlays(host, plan);
      return createOfflineExternalSnapshot(
        plan.disks.map((d) => ({ target: d.target, path: d.chain[0]!.path, format: d.chain[0]!.format, overlayPath: d.overlay! })),
        { ...common, qemuImg },
      );
    case 'live-internal-disk':
      return createLiveInternalDiskSnapshot(
        qmp!,
        plan.disks.map((d) => d.target),
        tag,
        common,
      );
    case 'live-checkpoint':
      return saveLiveCheckpoint(qmp!, tag, common);
    case 'offline-internal':
      return createOfflineInternalSnapshot(
        plan.disks.map((d) => ({ target: d.target, path: d.chain[0]!.path, format: 'qcow2' as const })),
        tag,
        { ...common, qemuImg },
      );
  }
}

/** An external memory snapshot of a guest whose disks are all excluded (`snapshot='no'`): the memory file alone. */
async function memoryOnly(saveMemory: () => Promise<void>, failpoint: (step: string) => Promise<void>): Promise<OperationResult> {
  try {
    await failpoint('live-external:before-save-memory');
    await saveMemory();
    await failpoint('live-external:before-transaction');
    return { ok: true, disks: [] };
  } catch (error) {
    return { ok: false, error: error as Error, step: 'live-external:save-memory', disks: [], rolledBack: true, rollbackProblems: [] };
  }
}

/**
 * QUIESCE (libvirt's qemuSnapshotFSFreeze/Thaw): the guest agent freezes every filesystem, the
 * operation runs, and the filesystems are thawed whatever happened (the intent's recovery thaws
 * them too, should the daemon die in between). A failed freeze fails the create before any disk
 * changed. A failed thaw after a successful operation goes to `onThawFailure`: the snapshot is
 * completed (its disks switched), and then the call fails with the thaw's error, as libvirt's does.
 */
async function frozen(
  host: QemuHost,
  domain: QemuDomain,
  operation: () => Promise<OperationResult>,
  onThawFailure: (error: unknown) => void,
): Promise<OperationResult> {
  const agent = await GuestAgentSession.open(domain);
  try {
    let result: OperationResult | undefined;
    try {
      await agent.freeze();
      host.services.failpoints.reach('qemu.snapshot-create.frozen');
      result = await operation();
    } finally {
      const thawed = await agent.thaw().then(
        () => undefined,
        (error: unknown) => error,
      );
      if (thawed !== undefined) {
        host.services.log.error({ domain: domain.name, err: thawed }, 'thawing the guest after a snapshot failed');
        // an operation that succeeded is reported with the thaw's failure once complete; a failed one keeps its own error
        if (result?.ok) onThawFailure(thawed);
      }
    }
    return result;
  } finally {
    agent.close();
  }
}

/**
 * The error of a quiesced create whose snapshot was made but whose guest the agent did not thaw: the
 * agent's own error (libvirt's qemuSnapshotFSThaw fails the call so), saying what exists and what may
 * still be frozen.
 */
function thawFailedAfterCreate(name: string, error: unknown): VirError {
  const cause = VirError.is(error) ? error : undefined;
  const detail = cause?.str2 ?? (error instanceof Error ? error.message : String(error));
  return VirError.report(
    cause?.code ?? ErrorNumber.InternalError,
    ErrorDomain.Qemu,
    `${detail}; snapshot '${name}' was created, but the guest's filesystems may still be frozen`,
  );
}

/** REUSE_EXT on a stopped domain: each existing overlay must be qcow2 backed by the disk's current image. */
async function checkReusedOverlays(host: QemuHost, plan: SnapshotPlan): Promise<OperationResult> {
  for (const disk of plan.disks) {
    try {
      const info = await imageInfo(disk.overlay!, { format: 'qcow2' }, host.services.qemuImg);
      const backing = info['full-backing-filename'] ?? info['backing-filename'];
      if (backing !== disk.chain[0]!.path || info['backing-filename-format'] !== disk.chain[0]!.format) {
        throw new PreconditionError(
          'overlay-mismatch',
          `${disk.overlay} has backing ${backing ?? '(none)'}, expected ${disk.chain[0]!.path} (${disk.chain[0]!.format})`,
        );
      }
    } catch (error) {
      return {
        ok: false,
        error: error as Error,
        step: 'reuse:check',
        disks: plan.disks.map((d) => ({ target: d.target, outcome: 'untouched' })),
        rolledBack: true,
        rollbackProblems: [],
      };
    }
  }
  return { ok: true, disks: plan.disks.map((d) => ({ target: d.target, outcome: 'done' })) };
}

/** The commit point and everything after it: journal, state files, memory, HALT (the runner ends the intent). */
async function commitCreate(host: QemuHost, domain: QemuDomain, plan: SnapshotPlan, intent: Intent<CreateIntent>): Promise<void> {
  if (LIVE_KINDS.has(plan.kind)) intent.committedInQemu();
  else intent.advance('committed');
  // the disks switched while the vCPUs were stopped after the memory save: the guest runs on
  if (intent.payload.memory) await resumeAfterMemory(host, domain, intent.payload.memory, plan.halt);
  await intent.applyState(domain);
  if (plan.newDefinition && domain.persistent) domain.persistentDefinition = plan.newDefinition;
  if (plan.newLive) domain.live = plan.newLive;
  if (plan.keepMetadata) {
    const node: SnapshotNode = domain.snapshots.add(plan.def, plan.def.parent);
    domain.snapshots.current = node;
  }
  if (plan.halt && domain.active) await stopGuest(host, domain, Reason.ShutoffFromSnapshot);
}

/** REDEFINE: metadata only, persisted under an intent; on a failed write the tree is reloaded from disk. */
async function redefineAndPersist(host: QemuHost, domain: QemuDomain, parsed: ReturnType<typeof parseSnapshotXml>, flags: number): Promise<string> {
  checkSnapshotName(parsed.name ?? '');
  checkRedefinedState(parsed.state);
  const previous = domain.snapshots.current;
  const confine = (def: SnapshotDef) =>
    confineSnapshotDefinition(def, host.services.confinement, ErrorDomain.Qemu, driverFirmware(host.services.layout.stateDir));
  const { def, node } = redefineSnapshot(domain, parsed, flags, confinedDiskFiles(host), confine);
  try {
    const touched = [node!, ...(previous && previous !== domain.snapshots.current ? [previous] : [])];
    await persistMetadata(host, domain, touched, []);
  } catch (error) {
    reloadSnapshots(host, domain);
    throw error;
  }
  return def.name;
}
