// The test driver's DomainSnapshotCreateXML: check everything, prepare on simulated storage, commit in one step.
import { atomicSnapshotRefusal, DomainSnapshotCreateFlags as Create, ErrorDomain, ErrorNumber, VirError, type DiskOutcome } from '@virtwire/protocol';
import { isExternalSnapshot, parseSnapshotXml, TEST_DRIVER_DEFAULTS, type SnapshotDef, type SnapshotDiskDef, type XmlElement } from '@virtwire/protocol/xml';
import { canonicalSnapshotDomains } from '../../conf/snapshot-domain-copy.js';
import { checkSnapshotTargetType } from '../../conf/snapshot-target-type.js';
import { alignSnapshotDisks } from '../../conf/snapshot-disk-alignment.js';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import { OVERLAY_SIZE, StorageError, type SimulatedStorage } from './simulated-storage.js';
import { redefineSnapshot } from '../../conf/snapshot-redefine.js';
import { confineSnapshotDefinition } from '../../storage/definition-paths.js';
import { checkSnapshotName } from '../common/object-names.js';
import { StateReason, type TestDomain } from './test-domain.js';

/** How the driver changes several disks: as one group, or one by one like a hypervisor without `transaction`. */
export type AtomicMode = 'group' | 'none';

const testError = (code: number, detail: string, extra = {}) => VirError.report(code, ErrorDomain.Test, detail, extra);

/** One prepared change, with the way to undo it. */
interface PreparedStep {
  disk?: string;
  undo(): void;
}

/** The outcome of a successful create: the new snapshot's definition and its tree node (none with NO_METADATA). */
export interface CreatedSnapshot {
  def: SnapshotDef & { name: string };
  node: SnapshotNode | null;
}

/**
 * Creates a snapshot of `domain` (libvirt's testDomainSnapshotCreateXML, extended with disk-only,
 * external, reuse and no-metadata snapshots on simulated storage). Everything is checked before
 * anything changes; with `group` atomicity a failure undoes every prepared change and the domain
 * definition and metadata change only after all disks succeeded.
 */
export function createSnapshot(
  domain: TestDomain,
  storage: SimulatedStorage,
  xml: string,
  flags: number,
  atomicMode: AtomicMode,
  now: () => number = () => Math.floor(Date.now() / 1000),
): CreatedSnapshot {
  if (flags & Create.Halt && !domain.persistent) {
    throw testError(ErrorNumber.OperationInvalid, 'cannot halt after transient domain snapshot');
  }
  const redefine = (flags & Create.Redefine) !== 0;
  const def = parseSnapshotXml(xml, { redefine, validate: (flags & Create.Validate) !== 0 });
  if (redefine) {
    canonicalSnapshotDomains(def, TEST_DRIVER_DEFAULTS);
    checkSnapshotName(def.name ?? '', ErrorDomain.Test);
    return redefineSnapshot(domain, def, flags, storage, (checked) => confineSnapshotDefinition(checked, storage.confinement, ErrorDomain.Test));
  }
  // libvirt's test driver refuses manual mode before it looks at the disks (testDomainSnapshotCreateXML).
  if (def.disks.some((d) => d.snapshot === 'manual')) {
    throw testError(ErrorNumber.OperationUnsupported, "'manual' snapshot mode is not supported by the test driver");
  }

  const creationTime = now();
  // Every property in one fixed order (never added later or deleted), so that all snapshot
  // definitions share one object shape and the code reading them stays fast.
  const named: SnapshotDef & { name: string } = {
    name: def.name ?? String(creationTime),
    description: def.description,
    state: undefined,
    creationTime,
    parent: undefined,
    memory: def.memory,
    disks: def.disks,
    revertDisks: undefined,
    domain: undefined,
    inactiveDomain: undefined,
  };
  checkSnapshotName(named.name, ErrorDomain.Test);
  const diskOnly = (flags & Create.DiskOnly) !== 0;
  normaliseStateAndMemory(named, domain, diskOnly);
  named.domain = domain.definitionForSnapshot();

  const defaultMode = diskOnly || named.memory?.snapshot === 'external' ? 'external' : 'internal';
  named.disks = alignSnapshotDisks(named.disks, domain.effective.disks(), defaultMode, named.name, storage);
  checkSelection(named, diskOnly);
  // libvirt's test driver records the live definition only; an external snapshot (beyond it)
  // records the pending one too, as libvirt's qemu driver does.
  if (domain.pendingDefinition && isExternalSnapshot(named)) named.inactiveDomain = renamed(domain.pendingDefinition.clone().tree, 'inactiveDomain');

  const keepMetadata = (flags & Create.NoMetadata) === 0;
  if (keepMetadata && domain.snapshots.get(named.name)) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain moment ${named.name} already exists`);
  }
  const reuse = (flags & Create.ReuseExt) !== 0;
  checkExternalTargets(named.disks, domain, storage, reuse);

  const external = named.disks.filter((d) => d.snapshot === 'external');
  const live = domain.active;
  if (atomicMode === 'none' && live && external.length > 1) {
    if (flags & Create.Atomic) throw atomicSnapshotRefusal(ErrorDomain.Test);
    applyOneByOne(named, domain, storage, reuse);
  } else {
    applyAsGroup(named, domain, storage, reuse);
  }

  let node: SnapshotNode | null = null;
  if (keepMetadata) {
    const previous = domain.snapshots.current;
    node = domain.snapshots.add(named, previous?.def.name);
    domain.snapshotImages.add(named);
    // The previous current snapshot's revert overlays are now the base of this snapshot (qemuSnapshotClearRevertdisks).
    if (previous) previous.def.revertDisks = undefined;
    domain.snapshots.current = node;
  }
  if (flags & Create.Halt && domain.active) domain.stop(StateReason.ShutoffFromSnapshot);
  return { def: named, node };
}

/** The same element under another name (`<domain>` kept as `<inactiveDomain>`). */
function renamed(tree: XmlElement, name: string): XmlElement {
  return { name, attributes: tree.attributes, children: tree.children };
}

/** libvirt's state and memory normalisation for a new snapshot (testDomainSnapshotAlignDisks). */
function normaliseStateAndMemory(def: SnapshotDef, domain: TestDomain, diskOnly: boolean): void {
  const requested = def.memory?.snapshot;
  if (diskOnly) {
    if (requested === 'internal' || requested === 'external') {
      throw VirError.report(ErrorNumber.XmlError, ErrorDomain.DomainSnapshot, 'memory state cannot be saved with offline or disk-only snapshot');
    }
    // A disk-only snapshot of a shut-off domain records `shutoff` (testDomainSnapshotAlignDisks).
    def.state = domain.active ? 'disk-snapshot' : 'shutoff';
    def.memory = { snapshot: 'no' };
    return;
  }
  def.state = domain.stateName();
  if (requested === 'external') return;
  def.memory = { snapshot: domain.active ? 'internal' : 'no' };
}

/** qemu's global selection checks, which the test driver applies since it really changes (simulated) disks. */
function checkSelection(def: SnapshotDef, diskOnly: boolean): void {
  const external = def.disks.some((d) => d.snapshot === 'external') || def.memory?.snapshot === 'external';
  const internal = def.disks.some((d) => d.snapshot === 'internal') || def.memory?.snapshot === 'internal';
  if (diskOnly && !def.disks.some((d) => d.snapshot === 'external')) {
    throw testError(ErrorNumber.ConfigUnsupported, 'disk-only snapshots require at least one disk to be selected for snapshot');
  }
  if (external && internal) {
    throw testError(ErrorNumber.ConfigUnsupported, 'mixing internal and external targets for a snapshot is not yet supported');
  }
  if (!external && !internal) throw testError(ErrorNumber.ConfigUnsupported, 'nothing selected for snapshot');
}

/** Every external target is checked before any file is touched. */
function checkExternalTargets(disks: readonly SnapshotDiskDef[], domain: TestDomain, storage: SimulatedStorage, reuse: boolean): void {
  const seen = new Map<string, string>();
  const sources = new Map(domain.effective.disks().map((d) => [d.target, d.source]));
  for (const disk of disks) checkSnapshotTargetType(disk, domain.active, ErrorDomain.Test);
  for (const disk of disks) {
    if (disk.snapshot !== 'external' || disk.source === undefined) continue;
    storage.checkConfined(disk.source);
    const other = seen.get(disk.source);
    if (other !== undefined) {
      throw testError(ErrorNumber.ConfigUnsupported, `external snapshot file for disk ${disk.name} collides with disk ${other}: ${disk.source}`);
    }
    seen.set(disk.source, disk.name);
    const existing = storage.get(disk.source);
    if (reuse) {
      if (!existing) throw testError(ErrorNumber.SystemError, `missing existing file for disk ${disk.name}: ${disk.source}: No such file or directory`);
      if (disk.source === sources.get(disk.name)) {
        throw testError(ErrorNumber.ConfigUnsupported, `external snapshot file for disk ${disk.name} is the disk's current image: ${disk.source}`);
      }
    } else if (existing && existing.size > 0) {
      throw testError(ErrorNumber.ConfigUnsupported, `external snapshot file for disk ${disk.name} already exists and is not a block device: ${disk.source}`);
    } else if (existing && disk.source === sources.get(disk.name)) {
      throw testError(ErrorNumber.ConfigUnsupported, `external snapshot file for disk ${disk.name} is the disk's current image: ${disk.source}`);
    }
  }
}

function storageFailure(error: unknown, what: string): never {
  if (error instanceof StorageError) throw testError(ErrorNumber.SystemError, `${what}: ${error.message}`);
  throw error;
}

/** Prepares one disk's change on storage and returns how to undo it. */
function prepareDisk(disk: SnapshotDiskDef, snapshotName: string, domain: TestDomain, storage: SimulatedStorage, reuse: boolean): PreparedStep {
  const current = domain.effective.disks().find((d) => d.target === disk.name);
  const base = current?.source;
  if (disk.snapshot === 'internal' && base !== undefined) {
    try {
      storage.addInternalSnapshot(base, snapshotName);
    } catch (error) {
      storageFailure(error, `unable to save internal snapshot '${snapshotName}' of disk '${disk.name}' in '${base}'`);
    }
    return { disk: disk.name, undo: () => storage.removeInternalSnapshot(base, snapshotName) };
  }
  const target = disk.source!;
  if (reuse) return { disk: disk.name, undo: () => undefined };
  const replacedEmpty = storage.get(target);
  if (replacedEmpty) storage.remove(target);
  try {
    storage.create(target, OVERLAY_SIZE, disk.driverType ?? 'qcow2', base);
  } catch (error) {
    if (replacedEmpty) storage.register(replacedEmpty);
    storageFailure(error, `unable to create overlay '${target}' for disk '${disk.name}'`);
  }
  return {
    disk: disk.name,
    undo: () => {
      storage.remove(target);
      if (replacedEmpty) storage.register(replacedEmpty);
    },
  };
}

function prepareMemory(def: SnapshotDef, domain: TestDomain, storage: SimulatedStorage): PreparedStep | undefined {
  const file = def.memory?.snapshot === 'external' ? def.memory.file : undefined;
  if (file === undefined || !domain.active) return undefined;
  if (storage.exists(file)) {
    throw testError(ErrorNumber.OperationInvalid, `memory snapshot file '${file}' already exists`);
  }
  try {
    storage.create(file, domain.effective.currentMemoryKiB * 1024, 'raw');
  } catch (error) {
    storageFailure(error, `unable to save memory state to '${file}'`);
  }
  return { undo: () => storage.remove(file) };
}

/** Switches the domain's disks to their overlays: the commit point. */
function switchDisk(domain: TestDomain, disk: SnapshotDiskDef): void {
  if (disk.snapshot !== 'external') return;
  const format = disk.driverType ?? 'qcow2';
  const before = domain.effective.disks().find((d) => d.target === disk.name)?.source;
  domain.effective.setDiskSource(disk.name, disk.source!, format);
  // The persistent definition follows when its disk uses the same image (qemuSnapshotDiskUpdateSource).
  const pending = domain.pendingDefinition;
  if (pending?.disks().some((d) => d.target === disk.name && d.source === before)) pending.setDiskSource(disk.name, disk.source!, format);
}

const selected = (def: SnapshotDef) => def.disks.filter((d) => d.snapshot === 'internal' || d.snapshot === 'external');

/**
 * The error of a failed create, with the per-disk report: each selected disk's outcome and its
 * source as the domain now has it; the disk that failed carries the reason.
 */
function failureWithReport(
  error: unknown,
  disks: readonly SnapshotDiskDef[],
  domain: TestDomain,
  outcomeOf: (disk: string) => DiskOutcome['outcome'],
  failedDisk: string | undefined,
): unknown {
  if (!VirError.is(error)) return error;
  const sources = new Map(domain.effective.disks().map((d) => [d.target, d.source]));
  const report = disks.map((d): DiskOutcome => {
    const outcome: DiskOutcome = { disk: d.name, outcome: outcomeOf(d.name) };
    const source = sources.get(d.name);
    if (source !== undefined) outcome.source = source;
    if (d.name === failedDisk) outcome.reason = error.message;
    return outcome;
  });
  return new VirError({ ...error, message: error.message, disks: report });
}

/** All disks prepared, then all switched at once; any failure undoes everything prepared. */
function applyAsGroup(def: SnapshotDef & { name: string }, domain: TestDomain, storage: SimulatedStorage, reuse: boolean): void {
  const prepared: PreparedStep[] = [];
  const disks = selected(def);
  let failed: string | undefined;
  try {
    const memory = prepareMemory(def, domain, storage);
    if (memory) prepared.push(memory);
    for (const disk of disks) {
      failed = disk.name;
      prepared.push(prepareDisk(disk, def.name, domain, storage, reuse));
    }
  } catch (error) {
    for (const step of [...prepared].reverse()) step.undo();
    const undone = new Set(prepared.map((p) => p.disk));
    throw failureWithReport(error, disks, domain, (disk) => (undone.has(disk) ? 'rolled-back' : 'untouched'), failed);
  }
  for (const disk of disks) switchDisk(domain, disk);
}

/** Disks switched one at a time (no group support): a failure leaves the earlier disks switched, and says so. */
function applyOneByOne(def: SnapshotDef & { name: string }, domain: TestDomain, storage: SimulatedStorage, reuse: boolean): void {
  const disks = selected(def);
  const changed = new Set<string>();
  for (const disk of disks) {
    try {
      prepareDisk(disk, def.name, domain, storage, reuse);
    } catch (error) {
      throw failureWithReport(error, disks, domain, (d) => (changed.has(d) ? 'changed' : 'untouched'), disk.name);
    }
    switchDisk(domain, disk);
    changed.add(disk.name);
  }
}
