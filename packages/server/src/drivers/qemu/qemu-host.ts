// The qemu driver's host: its domains and lookups, plus the services every operation uses (state files, journal, confinement, failpoints).
import { ErrorDomain, ErrorNumber, VirError, type DomainRef } from '@virtwire/protocol';
import type { Logger } from 'pino';
import type { IntentJournal } from '../../state/intent-journal.js';
import type { QemuImgSettings } from './engine/index.js';
import type { Failpoints } from './failpoints.js';
import type { QemuDomain } from './qemu-domain.js';
import type { StateLayout } from './state-layout.js';
import type { ConfinementPolicy } from '../../storage/confinement-policy.js';
import { DomainEventBus } from '../../events/domain-event-bus.js';
import type { StreamTickets } from '../../streams/stream-tickets.js';

const noDomain = (detail: string) => VirError.report(ErrorNumber.NoDomain, ErrorDomain.Qemu, detail);

/** What operations need besides the domains. */
export interface HostServices {
  readonly log: Logger;
  readonly layout: StateLayout;
  readonly journal: IntentJournal;
  readonly failpoints: Failpoints;
  /** The daemon's one confinement policy: every image the driver is named, opens or creates. */
  readonly confinement: ConfinementPolicy;
  readonly qemuBinary: string;
  readonly qemuImg: QemuImgSettings;
  /** Who formats new overlays of live external snapshots. */
  readonly overlayCreation: 'blockdev-create' | 'engine';
  /** Give guests a second QMP monitor socket for inspection. */
  readonly inspectionMonitor: boolean;
  /** The KVM device `type='kvm'` needs (host-acceleration.ts). */
  readonly kvmDevice: string;
  /** The daemon's byte streams (consoles), when it has them. */
  readonly streams?: StreamTickets;
}

/** Every domain of the `qemu:///session` driver, shared by all its connections (libvirt's `virQEMUDriver`). */
export class QemuHost {
  private readonly byUuid = new Map<string, QemuDomain>();
  private readonly byName = new Map<string, QemuDomain>();
  private nextId = 1;
  /** Ids of intents whose recovery failed: retried before their domain's next change (and at the next start). */
  readonly leftIntents = new Set<string>();
  /** This host's domain events, heard by every connection to `qemu:///session`. */
  readonly events = new DomainEventBus();

  constructor(readonly services: HostServices) {}

  allocateId(): number {
    return this.nextId++;
  }

  /** Makes ids allocated later larger than `id` (ids of guests re-attached after a restart). */
  reserveId(id: number): void {
    if (id >= this.nextId) this.nextId = id + 1;
  }

  add(domain: QemuDomain): void {
    this.byUuid.set(domain.uuid, domain);
    this.byName.set(domain.name, domain);
  }

  remove(domain: QemuDomain): void {
    this.byUuid.delete(domain.uuid);
    this.byName.delete(domain.name);
  }

  domains(): QemuDomain[] {
    return [...this.byUuid.values()];
  }

  findByName(name: string): QemuDomain | undefined {
    return this.byName.get(name);
  }

  findByUuid(uuid: string): QemuDomain | undefined {
    return this.byUuid.get(uuid.toLowerCase());
  }

  lookupByName(name: string): QemuDomain {
    const domain = this.byName.get(name);
    if (!domain) throw noDomain(`no domain with matching name '${name}'`);
    return domain;
  }

  lookupByUuid(uuid: string): QemuDomain {
    const domain = this.findByUuid(uuid);
    if (!domain) throw noDomain(`no domain with matching uuid '${uuid.toLowerCase()}'`);
    return domain;
  }

  lookupById(id: number): QemuDomain {
    const domain = this.domains().find((d) => d.active && d.id === id);
    if (!domain) throw noDomain(`no domain with matching id ${id}`);
    return domain;
  }

  /** The domain a wire reference names, by UUID as libvirt's daemon resolves it. */
  resolve(ref: DomainRef): QemuDomain {
    const domain = this.findByUuid(ref.uuid);
    if (!domain) throw noDomain(`no domain with matching uuid '${ref.uuid.toLowerCase()}' (${ref.name})`);
    return domain;
  }
}
