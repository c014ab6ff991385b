// One domain of the test driver: definition, run state and snapshot tree, with libvirt's lifecycle transitions.
import { DomainState, type DomainDefinition, type DomainRef, type DomainStateValue } from '@virtwire/protocol';
import { SnapshotTree } from '../../conf/snapshot-tree.js';

/** `virDomainShutoffReason` and friends used by the test driver. */
export const StateReason = {
  Unknown: 0,
  /** VIR_DOMAIN_RUNNING_BOOTED / VIR_DOMAIN_SHUTOFF_SHUTDOWN / VIR_DOMAIN_PAUSED_USER */
  Booted: 1,
  ShutoffShutdown: 1,
  PausedUser: 1,
  /** VIR_DOMAIN_SHUTOFF_DESTROYED */
  ShutoffDestroyed: 2,
  /** VIR_DOMAIN_RUNNING_FROM_SNAPSHOT */
  RunningFromSnapshot: 4,
  /** VIR_DOMAIN_PAUSED_FROM_SNAPSHOT */
  PausedFromSnapshot: 7,
  /** VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT */
  ShutoffFromSnapshot: 7,
  /** VIR_DOMAIN_RUNNING_UNPAUSED */
  RunningUnpaused: 5,
} as const;

/** A test-driver domain (libvirt's `virDomainObj`). */
export class TestDomain {
  state: DomainStateValue;
  reason: number;
  /** Positive while active, -1 while shut off. */
  id = -1;
  readonly snapshots = new SnapshotTree();

  constructor(
    public definition: DomainDefinition,
    public persistent: boolean,
    state: DomainStateValue,
    reason: number = StateReason.Booted,
  ) {
    this.state = state;
    this.reason = reason;
  }

  get name(): string {
    return this.definition.name;
  }

  get uuid(): string {
    return this.definition.uuid;
  }

  get active(): boolean {
    return this.state !== DomainState.Shutoff;
  }

  /** The wire reference (`remote_nonnull_domain`). */
  ref(): DomainRef {
    return { name: this.name, uuid: this.uuid, id: this.id };
  }

  /** libvirt's state name for snapshots' `<state>` (`running`, `paused`, `shutoff`). */
  stateName(): 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended' {
    const names = ['running', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'] as const;
    return names[this.state] ?? 'running';
  }

  /** The domain XML as `virDomainGetXMLDesc` prints it: `id='N'` on active domains unless INACTIVE. */
  formatXml(inactive: boolean): string {
    const xml = this.definition.format();
    if (inactive || !this.active) return xml;
    return xml.replace(/^<domain type='([^']*)'/, `<domain type='$1' id='${this.id}'`);
  }
}
