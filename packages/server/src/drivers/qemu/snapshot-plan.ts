// Plans a DomainSnapshotCreateXML on the qemu driver: libvirt's checks in libvirt's order, then the kind, disks and files.
import {
  checkAtomicRequest,
  checkFlagRules,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotCreateFlagSet,
  ErrorDomain,
  ErrorNumber,
  exclusive,
  requires,
  VirError,
  type AtomicRequest,
  type DriverCapabilities,
} from '@virtwire/protocol';
import { checkSnapshotTargetType } from '../../conf/snapshot-target-type.js';
import { type DomainDefinition, type DomainDisk, type SnapshotDef, type SnapshotDiskDef } from '@virtwire/protocol/xml';
import { lstatSync, statSync } from 'node:fs';
import { alignSnapshotDisks, type AlignmentStorage } from '../../conf/snapshot-disk-alignment.js';
import { diskElement, resolveChain, setDiskChain, type ImageChain } from './disk-chain.js';
import { diskConfinement } from './domain-config.js';
import { listSnapshots, readLiveDisks } from './engine/index.js';
import type { CreateKind } from './qemu-intent.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { agentSocketPath } from './guest-agent.js';
import { bootsUefi } from './uefi-firmware.js';
import { checkSnapshotName, internalTag } from './snapshot-names.js';
import { hostDomainDefaults } from './host-domain-defaults.js';
import { snapshotDomainCopy } from './snapshot-domain-copy.js';

const qemuError = (code: number, detail: string) => VirError.report(code, ErrorDomain.Qemu, detail);
const unsupported = (detail: string) => qemuError(ErrorNumber.ConfigUnsupported, detail);

/** A disk the snapshot changes. */
export interface PlannedDisk {
  target: string;
  /** The disk's chain before the snapshot, active image first. */
  chain: ImageChain;
  /** The new overlay (external), or undefined (internal). */
  overlay?: string;
}

/** Everything a snapshot create needs, worked out before anything changes. */
export interface SnapshotPlan {
  kind: CreateKind;
  def: SnapshotDef & { name: string };
  disks: PlannedDisk[];
  /** Internal snapshot tag (internal kinds). */
  tag?: string;
  keepMetadata: boolean;
  reuse: boolean;
  halt: boolean;
  /** The persistent definition after the snapshot, when it changes (external snapshots). */
  newDefinition?: DomainDefinition;
  /** The live definition after the snapshot, when the domain runs and it changes. */
  newLive?: DomainDefinition;
  /** QUIESCE: the guest agent freezes the guest's filesystems around the engine operation. */
  quiesce?: boolean;
  /** External memory: the file the migration stream goes to, and LIVE. */
  memory?: { file: string; live: boolean };
}

/** libvirt's refusal of a group snapshot it cannot make atomically (checkAtomicRequest gives the same text). */

/** qemu_snapshot.c:qemuSnapshotCreateXML's flag rules, raised as that function (VIR_FROM_QEMU). */
const QEMU_CREATE_RULES = [requires(Create.Quiesce, Create.DiskOnly), exclusive(Create.Live, Create.Redefine)];

/** The flag checks of qemuSnapshotCreateXML that come before the XML is parsed. */
export function checkCreateFlags(domain: QemuDomain, flags: number): void {
  const ruleError = checkFlagRules(flags, QEMU_CREATE_RULES, {
    set: DomainSnapshotCreateFlagSet,
    functionName: 'qemuSnapshotCreateXML',
    errorDomain: ErrorDomain.Qemu,
  });
  if (ruleError) throw ruleError;
  if (flags & Create.Halt && !domain.persistent) throw qemuError(ErrorNumber.OperationInvalid, 'cannot halt after transient domain snapshot');
}

/** Domain disks as alignment sees them: read-only disks and CD-ROMs default to `snapshot='no'`. */
function alignmentDisks(definition: DomainDefinition): DomainDisk[] {
  return definition.disks().map((d) => (d.readOnly || d.device === 'cdrom' ? { ...d, snapshot: d.snapshot ?? 'no' } : d));
}

const isRegularFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** Whether a disk's source is a regular file, looked at only where the daemon may open disks (elsewhere: not one). */
export function confinedDiskFiles(host: QemuHost): AlignmentStorage {
  return {
    isRegularFile(path) {
      try {
        const found = host.services.confinement.existing(path, 'disk', ErrorDomain.Qemu);
        return (found.stat ?? statSync(found.path, { throwIfNoEntry: false }))?.isFile() ?? false;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Works out a new (non-REDEFINE) snapshot: parse result `parsed`, the domain's state, the flags
 * and the host's storage. Every check happens here, before the first side effect.
 */
export async function planSnapshot(
  host: QemuHost,
  domain: QemuDomain,
  parsed: SnapshotDef,
  flags: number,
  capabilities: DriverCapabilities,
): Promise<SnapshotPlan> {
  const active = domain.active;
  const diskOnly = (flags & Create.DiskOnly) !== 0;
  const requestedMemory = parsed.memory?.snapshot;
  if ((diskOnly || !active) && (requestedMemory === 'internal' || requestedMemory === 'external')) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.DomainSnapshot, 'memory state cannot be saved with offline or disk-only snapshot');
  }
  const creationTime = Math.floor(Date.now() / 1000);
  const def: SnapshotDef & { name: string } = { ...parsed, name: parsed.name ?? String(creationTime), creationTime };
  delete def.parent;
  const keepMetadata = (flags & Create.NoMetadata) === 0;
  checkSnapshotName(def.name);
  if (flags & Create.Live && (!active || requestedMemory !== 'external')) {
    throw qemuError(ErrorNumber.OperationUnsupported, 'live snapshot creation is supported only during full system snapshots');
  }

  // qemuSnapshotCreateAlignDisks: state, memory, the domain copy, then the disks.
  const effective = domain.effective;
  def.domain = snapshotDomainCopy(effective, hostDomainDefaults(host.services.qemuBinary));
  if (diskOnly) {
    // A disk-only snapshot of a shut-off domain records `shutoff` (qemuSnapshotCreateAlignDisks).
    def.state = active ? 'disk-snapshot' : 'shutoff';
    def.memory = { snapshot: 'no' };
  } else {
    def.state = domain.stateName();
    if (requestedMemory === 'no' && active) {
      throw qemuError(ErrorNumber.OperationUnsupported, 'internal snapshot of a running VM must include the memory state');
    }
    if (requestedMemory !== 'external') def.memory = { snapshot: active ? 'internal' : 'no' };
  }
  const defaultMode = diskOnly || def.memory?.snapshot === 'external' ? 'external' : 'internal';
  def.disks = alignSnapshotDisks(def.disks, alignmentDisks(effective), defaultMode, def.name, { isRegularFile });

  const atomic = (flags & Create.Atomic) !== 0;
  const kind = checkSelection(def, effective.disks(), { diskOnly, active, atomic }, capabilities);
  // qemuSnapshotPrepare: the NVRAM on pflash cannot take part in an internal snapshot of a running guest
  if (active && (kind === 'live-internal-disk' || kind === 'live-checkpoint') && bootsUefi(effective)) {
    throw qemuError(ErrorNumber.OperationUnsupported, 'internal snapshots of a VM with pflash based firmware are not supported');
  }
  const reuse = (flags & Create.ReuseExt) !== 0;
  const disks = await planDisks(host, domain, def, reuse);

  if (keepMetadata && domain.snapshots.get(def.name)) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain moment ${def.name} already exists`);
  }
  if (flags & Create.Quiesce) {
    // qemuDomainAgentAvailable: a guest that is not running cannot freeze; the agent needs its channel
    if (domain.stateName() !== 'running') throw qemuError(ErrorNumber.OperationInvalid, 'domain is not running');
    if (agentSocketPath(domain) === undefined) throw qemuError(ErrorNumber.ArgumentUnsupported, 'QEMU guest agent is not configured');
  }

  const plan: SnapshotPlan = { kind, def, disks, keepMetadata, reuse, halt: (flags & Create.Halt) !== 0 };
  if (flags & Create.Quiesce) plan.quiesce = true;
  if (def.memory?.snapshot === 'external') plan.memory = { file: checkMemoryTarget(host, def.memory.file!, disks), live: (flags & Create.Live) !== 0 };
  if (kind === 'live-external' || kind === 'offline-external') {
    plan.newDefinition = switchedDefinition(domain.persistentDefinition, disks, domain.live);
    if (domain.live) plan.newLive = switchedDefinition(domain.live, disks, null);
  } else {
    plan.tag = internalTag(def.name);
    await checkTagAbsent(host, domain, disks, plan.tag);
  }
  return plan;
}

/**
 * An internal snapshot's tag must be on no disk yet (a NO_METADATA snapshot leaves one without
 * metadata): then every disk that carries it after a crash got it from this create, and recovery
 * may remove it.
 */
async function checkTagAbsent(host: QemuHost, domain: QemuDomain, disks: readonly PlannedDisk[], tag: string): Promise<void> {
  const live = domain.guest ? await readLiveDisks(domain.guest.qmp) : undefined;
  for (const disk of disks) {
    const tags = live
      ? (live.get(disk.target)?.snapshots ?? [])
      : await listSnapshots(disk.chain[0]!.path, { format: 'qcow2', shareLocks: true }, host.services.qemuImg).catch(() => []);
    if (tags.some((s) => s.name === tag)) {
      throw qemuError(
        ErrorNumber.OperationFailed,
        `unable to create internal snapshot '${tag}' for disk '${disk.target}': disk ${disk.target} already has a snapshot named ${tag}`,
      );
    }
  }
}

/**
 * qemuSnapshotPrepare's global checks, and the kind of snapshot. A mix of internal and external
 * disks or memory gets libvirt's 'mixing' refusal whatever the flags; then, under ATOMIC, a kind the
 * driver does not make as a group is refused with libvirt's atomic error.
 */
function checkSelection(
  def: SnapshotDef,
  domainDisks: readonly DomainDisk[],
  { diskOnly, active, atomic }: { diskOnly: boolean; active: boolean; atomic: boolean },
  capabilities: DriverCapabilities,
): CreateKind {
  const external = def.disks.filter((d) => d.snapshot === 'external');
  const internal = def.disks.filter((d) => d.snapshot === 'internal');
  const memory = def.memory?.snapshot ?? 'no';
  const mixed = (external.length > 0 || memory === 'external') && (internal.length > 0 || memory === 'internal');
  // A manual disk of a shut-off domain is left to the user, as libvirt does (the disk is untouched,
  // the metadata says 'manual'); a running guest would have to stay paused for it, which is not done here.
  for (const disk of def.disks) {
    if (disk.snapshot === 'manual' && active) {
      throw qemuError(ErrorNumber.OperationUnsupported, `'manual' snapshot mode of disk '${disk.name}' is not supported`);
    }
  }
  if (external.length === 0 && internal.length === 0 && memory === 'no') throw unsupported('nothing selected for snapshot');
  if (diskOnly && external.length === 0 && internal.length === 0)
    throw unsupported('disk-only snapshots require at least one disk to be selected for snapshot');
  // libvirt refuses a mix first, ATOMIC or not; the driver never makes one, so its atomic refusal would only hide this one
  if (mixed) throw unsupported('mixing internal and external targets for a snapshot is not yet supported');
  if (atomic) {
    const request: AtomicRequest = { disks: external.length + internal.length, scope: diskOnly ? 'disk-only' : 'full', state: active ? 'live' : 'offline' };
    request.location = external.length > 0 || memory === 'external' ? 'external' : 'internal';
    const refusal = checkAtomicRequest(capabilities, request);
    if (refusal) throw refusal;
  }
  const excludedWritable = def.disks.some((d) => {
    if (d.snapshot === 'manual') return true;
    const disk = domainDisks.find((x) => x.target === d.name);
    return d.snapshot === 'no' && disk !== undefined && disk.source !== undefined && !disk.readOnly && disk.device === 'disk';
  });
  if ((memory === 'internal' || internal.length > 0) && !diskOnly && (internal.length === 0 || excludedWritable)) {
    throw unsupported('internal and full system snapshots require all disks to be selected for snapshot');
  }
  if (external.length > 0 || memory === 'external') return active ? 'live-external' : 'offline-external';
  if (!active) return 'offline-internal';
  return memory === 'internal' ? 'live-checkpoint' : 'live-internal-disk';
}

/** qemuSnapshotPrepare's per-disk checks, the disks' current chains, and every overlay target. */
async function planDisks(host: QemuHost, domain: QemuDomain, def: SnapshotDef, reuse: boolean): Promise<PlannedDisk[]> {
  const effective = domain.effective;
  const domainDisks = new Map(effective.disks().map((d) => [d.target, d]));
  const { qemuImg } = host.services;
  const confinement = host.services.confinement.forOneOperation();
  const chains = new Map<string, ImageChain>();
  for (const disk of effective.disks()) {
    if (disk.source !== undefined)
      chains.set(disk.target, await resolveChain(diskElement(effective, disk.target), qemuImg, diskConfinement(disk, confinement)));
  }
  const chainFiles = new Set([...chains.values()].flatMap((c) => c.map((l) => l.path)));
  const confine = (path: string, reuse: boolean) => {
    if (reuse) confinement.existing(path, 'overlay', ErrorDomain.Qemu);
    else confinement.creatable(path, 'overlay', ErrorDomain.Qemu);
  };
  const overlays = new Map<string, string>();
  const planned: PlannedDisk[] = [];
  for (const snapDisk of def.disks) {
    if (snapDisk.snapshot !== 'internal' && snapDisk.snapshot !== 'external') continue;
    const disk = domainDisks.get(snapDisk.name)!;
    const chain = chains.get(disk.target) ?? [];
    if (snapDisk.snapshot === 'internal') {
      if (disk.readOnly || disk.device === 'cdrom')
        throw qemuError(ErrorNumber.OperationUnsupported, `internal snapshot for readonly disk ${disk.target} is not supported`);
      if (chain[0]?.format !== 'qcow2')
        throw unsupported(`internal snapshot for disk ${disk.target} unsupported for storage type ${chain[0]?.format ?? 'none'}`);
      planned.push({ target: disk.target, chain });
      continue;
    }
    checkSnapshotTargetType(snapDisk, domain.active, ErrorDomain.Qemu);
    planned.push({ target: disk.target, chain, overlay: checkExternalTarget(snapDisk, disk, reuse, { chainFiles, confine, overlays }) });
  }
  return planned;
}

interface TargetContext {
  chainFiles: ReadonlySet<string>;
  /** The confinement policy's check of an overlay target (an existing file with REUSE_EXT). */
  confine: (path: string, reuse: boolean) => void;
  overlays: Map<string, string>;
}

/** qemuSnapshotPrepareDiskExternal for a local file target, plus confinement to the storage roots. */
function checkExternalTarget(snapDisk: SnapshotDiskDef, disk: DomainDisk, reuse: boolean, context: TargetContext): string {
  const format = snapDisk.driverType ?? 'qcow2';
  if (format !== 'qcow2') throw unsupported(`external snapshot format for disk ${disk.target} is unsupported: ${format}`);
  snapDisk.driverType = format;
  if (disk.readOnly || disk.device === 'cdrom')
    throw qemuError(ErrorNumber.OperationUnsupported, `external snapshot for readonly disk ${disk.target} is not supported`);
  const target = snapDisk.source!;
  context.confine(target, reuse);
  const other = context.overlays.get(target);
  if (other !== undefined) throw unsupported(`external snapshot file for disk ${disk.target} collides with disk ${other}: ${target}`);
  context.overlays.set(target, disk.target);
  if (context.chainFiles.has(target)) throw unsupported(`external snapshot file for disk ${disk.target} is an image the domain already uses: ${target}`);
  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    stat = undefined;
  }
  // qemuSnapshotPrepareDiskExternal's checks of what is there, in its order; then the driver's own refusal of block devices
  const block = snapDisk.type === 'block';
  if (!stat) {
    if (reuse) throw qemuError(ErrorNumber.SystemError, `missing existing file for disk ${disk.target}: ${target}: No such file or directory`);
    if (block) throw qemuError(ErrorNumber.OperationUnsupported, `block device snapshot target '${target}' doesn't exist`);
  } else {
    if (block ? !stat.isBlockDevice() : !stat.isFile()) {
      throw unsupported(`mismatch between configured type for snapshot disk '${disk.target}' and the type of existing file '${target}'`);
    }
    if (!reuse && !block) throw unsupported(`external snapshot file for disk ${disk.target} already exists and is not a block device: ${target}`);
  }
  if (block) throw unsupported(`external snapshot of disk ${disk.target} to a block device is not supported`);
  return target;
}

/**
 * The memory file of an external memory snapshot: confined like an overlay target (created by the
 * daemon, O_EXCL 0600), not an existing file, and no overlay of the same snapshot.
 */
function checkMemoryTarget(host: QemuHost, file: string, disks: readonly PlannedDisk[]): string {
  host.services.confinement.creatable(file, 'memory', ErrorDomain.Qemu);
  if (disks.some((d) => d.overlay === file || d.chain.some((l) => l.path === file))) {
    throw unsupported(`memory snapshot file '${file}' is also a disk image of the snapshot`);
  }
  let exists = true;
  try {
    lstatSync(file);
  } catch {
    exists = false;
  }
  if (exists) throw qemuError(ErrorNumber.OperationInvalid, `file '${file}' for memory snapshot already exists`);
  return file;
}

/** A copy of `definition` whose external disks use their new overlays, the old chain below them. */
function switchedDefinition(definition: DomainDefinition, disks: readonly PlannedDisk[], liveBefore: DomainDefinition | null): DomainDefinition {
  const copy = definition.clone();
  for (const disk of disks) {
    if (disk.overlay === undefined) continue;
    const before = copy.disks().find((d) => d.target === disk.target);
    // libvirt updates the persistent definition only where it still names the image the guest uses
    const liveSource = liveBefore?.disks().find((d) => d.target === disk.target)?.source;
    if (!before || (liveBefore && before.source !== liveSource)) continue;
    setDiskChain(diskElement(copy, disk.target), [{ path: disk.overlay, format: 'qcow2' }, ...disk.chain]);
  }
  return copy;
}
