// One domain of the test driver: live and persistent definitions, run state and snapshot tree.
import { DomainState, type DomainRef, type DomainStateValue } from '@virtwire/protocol';
import { formatXml, type DomainDefinition, type SnapshotDef, type XmlElement } from '@virtwire/protocol/xml';
import type { RedefineTarget } from '../../conf/snapshot-redefine.js';
import { StateReason } from '../common/state-reasons.js';
import { SnapshotTree } from '../../conf/snapshot-tree.js';
import { SnapshotImageRefs } from './snapshot-image-refs.js';

/** The state reasons, shared with the qemu driver. */
export { StateReason };

/** How many distinct redefined `<domain>` trees are remembered for sharing. */
const SHARED_DOMAIN_CACHE = 8;

/** `virDomainSnapshotState` names of the domain states, indexed by `virDomainState`. */
const STATE_NAMES = ['running', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'] as const;

/** A test-driver domain (libvirt's `virDomainObj`). */
export class TestDomain implements RedefineTarget {
  state: DomainStateValue;
  reason: number;
  /** Positive while active, -1 while shut off. */
  id = -1;
  /**
   * The persistent definition while it differs from the live one (libvirt's `newDef`): set when a
   * running domain is redefined, applied when it stops.
   */
  pendingDefinition: DomainDefinition | undefined;
  readonly snapshots = new SnapshotTree();
  /** The images the snapshots were taken on, which cleanup never deletes. */
  readonly snapshotImages = new SnapshotImageRefs();
  /** The last copy of the definition given to a snapshot, shared by every snapshot taken while it did not change. */
  private frozen: { definition: DomainDefinition; disks: string; tree: XmlElement } | undefined;
  /** The last few `<domain>` trees of redefined snapshots, by their text, so identical ones are stored once. */
  private readonly redefinedDomains = new Map<string, XmlElement>();

  constructor(
    /** The definition in effect: the live one while running, the persistent one too unless `pendingDefinition` is set. */
    public effective: DomainDefinition,
    public persistent: boolean,
    state: DomainStateValue,
    reason: number = StateReason.Unknown,
  ) {
    this.state = state;
    this.reason = reason;
  }

  get name(): string {
    return this.effective.name;
  }

  get uuid(): string {
    return this.effective.uuid;
  }

  get active(): boolean {
    return this.state !== DomainState.Shutoff;
  }

  /** The definition the domain boots with next time (libvirt's `newDef ?: def`). */
  get persistentDefinition(): DomainDefinition {
    return this.pendingDefinition ?? this.effective;
  }

  /**
   * An immutable copy of the live definition for a new snapshot's `<domain>`. Consecutive
   * snapshots of an unchanged domain share one copy, so 100,000 snapshots do not hold 100,000
   * copies. Snapshot definitions are never edited in place (they are copied first).
   */
  definitionForSnapshot(): XmlElement {
    const disks = JSON.stringify(this.effective.disks().map((d) => [d.target, d.source, d.format]));
    const frozen = this.frozen;
    if (frozen && frozen.definition === this.effective && frozen.disks === disks) return frozen.tree;
    const tree = this.effective.clone().tree;
    this.frozen = { definition: this.effective, disks, tree };
    return tree;
  }

  /**
   * The stored form of a redefined snapshot's `<domain>`: an identical tree seen recently is
   * reused, so a tree of 100,000 snapshots moved from another daemon does not hold 100,000 copies.
   */
  shareRedefinedDomain(tree: XmlElement): XmlElement {
    const text = formatXml(tree);
    const known = this.redefinedDomains.get(text);
    if (known) return known;
    if (this.redefinedDomains.size >= SHARED_DOMAIN_CACHE) this.redefinedDomains.delete(this.redefinedDomains.keys().next().value!);
    this.redefinedDomains.set(text, tree);
    return tree;
  }

  /** Keeps the image reference counts in step when REDEFINE replaces or adds a snapshot. */
  snapshotDefinitionChanged(previous: SnapshotDef | undefined, next: SnapshotDef): void {
    if (previous) this.snapshotImages.remove(previous);
    this.snapshotImages.add(next);
  }

  /** The wire reference (`remote_nonnull_domain`). */
  ref(): DomainRef {
    return { name: this.name, uuid: this.uuid, id: this.id };
  }

  /** libvirt's state name for snapshots' `<state>` (`running`, `paused`, `shutoff`). */
  stateName(): (typeof STATE_NAMES)[number] {
    return STATE_NAMES[this.state] ?? 'running';
  }

  /** Starts the domain with a fresh id (libvirt's `testDomainStartState`). */
  start(id: number, state: DomainStateValue, reason: number): void {
    this.id = id;
    this.state = state;
    this.reason = reason;
  }

  /**
   * Stops the domain (libvirt's `testDomainShutdownState`): shut off with `reason`, no id, and the
   * pending persistent definition becomes the definition. Removing a transient domain is the caller's job.
   */
  stop(reason: number): void {
    this.state = DomainState.Shutoff;
    this.reason = reason;
    this.id = -1;
    if (this.pendingDefinition) {
      this.effective = this.pendingDefinition;
      this.pendingDefinition = undefined;
    }
  }

  /**
   * The domain XML as `virDomainGetXMLDesc` prints it: the live definition with `id='N'` while
   * active, or with INACTIVE the persistent definition.
   */
  formatXml({ inactive, secure }: { inactive: boolean; secure: boolean }): string {
    if (inactive) return this.persistentDefinition.format({ secure });
    return this.effective.format(this.active ? { secure, id: this.id } : { secure });
  }
}
