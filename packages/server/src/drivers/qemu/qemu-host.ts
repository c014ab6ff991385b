// The qemu driver's host: its domains and lookups, plus the services every operation uses (state files, journal, confinement, failpoints).
import { ErrorDomain } from '@virtwire/protocol';
import type { Logger } from 'pino';
import type { IntentJournal } from '../../state/intent-journal.js';
import type { QemuImgSettings } from './engine/index.js';
import type { Failpoints } from './failpoints.js';
import type { QemuDomain } from './qemu-domain.js';
import type { StateLayout } from './state-layout.js';
import type { ConfinementPolicy } from '../../storage/confinement-policy.js';
import { DomainEventBus } from '../../events/domain-event-bus.js';
import { DomainList } from '../common/domain-list.js';
import type { StreamTickets } from '../../streams/stream-tickets.js';
import type { DurableRequestOutcomes } from '../../state/request-outcome-file.js';

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
export class QemuHost extends DomainList<QemuDomain> {
  /** Ids of intents whose recovery failed: retried before their domain's next change (and at the next start). */
  readonly leftIntents = new Set<string>();
  /** This host's domain events, heard by every connection to `qemu:///session`. */
  readonly events = new DomainEventBus();
  /** The outcomes of keyed calls kept across restarts (read at initialization, before recovery records into it). */
  requestOutcomes: DurableRequestOutcomes | undefined;

  constructor(readonly services: HostServices) {
    super({ errorDomain: ErrorDomain.Qemu });
  }
}
