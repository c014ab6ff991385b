// One domain of the qemu driver: persistent and live definitions, run state, QEMU process, snapshot tree, change in flight.
import { DomainState, type DomainRef, type DomainStateValue } from '@virtwire/protocol';
import { type DomainDefinition } from '@virtwire/protocol/xml';
import { StateReason } from '../common/state-reasons.js';
import { SnapshotTree } from '../../conf/snapshot-tree.js';
import type { QemuProcess } from './engine/index.js';

/** The state reasons, shared with the test driver (libvirt's numbers: unpaused is 5). */
export const Reason = StateReason;

const STATE_NAMES = ['running', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'] as const;

/** A qemu-driver domain (libvirt's `virDomainObj`). */
export class QemuDomain {
  /** The definition while running (libvirt's live `vm->def`); null while shut off. */
  live: DomainDefinition | null = null;
  /** The QEMU process while running. */
  guest: QemuProcess | null = null;
  state: DomainStateValue = DomainState.Shutoff;
  reason: number = Reason.Unknown;
  /** Positive while active, -1 while shut off. */
  id = -1;
  readonly snapshots = new SnapshotTree();
  /** State changes (intents) in flight on this domain; a QEMU exit meanwhile waits for them (guest-lifecycle.ts). */
  changing = 0;
  /** The guest whose QEMU exited while a change was in flight, settled when the change ends. */
  pendingExit: QemuProcess | null = null;
  /** The guest the daemon itself stops or detaches from: its exit is no crash. */
  expectedExit: QemuProcess | null = null;
  /** Set while the daemon runs and stops the vCPUs for a moment of its own: QEMU's STOP and RESUME then are not the domain's (migrated-images.ts). */
  quietRunState = false;

  constructor(
    /** The persistent definition (for a transient domain: the definition it was started with). */
    public persistentDefinition: DomainDefinition,
    public persistent: boolean,
  ) {}

  get name(): string {
    return this.persistentDefinition.name;
  }

  get uuid(): string {
    return this.persistentDefinition.uuid;
  }

  get active(): boolean {
    return this.guest !== null;
  }

  /** The definition in effect: the live one while running, the persistent one otherwise. */
  get effective(): DomainDefinition {
    return this.live ?? this.persistentDefinition;
  }

  /** The wire reference (`remote_nonnull_domain`). */
  ref(): DomainRef {
    return { name: this.name, uuid: this.uuid, id: this.id };
  }

  /** libvirt's state name, as a snapshot's `<state>` records it. */
  stateName(): (typeof STATE_NAMES)[number] {
    return STATE_NAMES[this.state] ?? 'running';
  }

  /** `virDomainGetXMLDesc`: the live definition with `id='N'` while running, unless INACTIVE. */
  formatXml({ inactive, secure }: { inactive: boolean; secure: boolean }): string {
    if (inactive || !this.live) return this.persistentDefinition.format({ secure });
    return this.live.format({ secure, id: this.id });
  }

  /** Marks the domain shut off with `reason` (guest-lifecycle.ts decides when). */
  markStopped(reason: number): void {
    this.guest = null;
    this.live = null;
    this.state = DomainState.Shutoff;
    this.reason = reason;
    this.id = -1;
    this.pendingExit = null;
    this.expectedExit = null;
  }
}
