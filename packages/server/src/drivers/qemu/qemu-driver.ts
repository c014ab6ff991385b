// The `qemu:///session` hypervisor driver: real QEMU over QMP, state in the daemon's state directory, recovery at start-up.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REQUEST_KEY_TTL_MS } from '../../rpc/request-log.js';
import { removeStaleTempFiles } from '../../state/durable-file.js';
import { DurableRequestOutcomes } from '../../state/request-outcome-file.js';
import { encodeVersion, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { IntentJournal } from '../../state/intent-journal.js';
import type { ConnectionUri, DriverConnection, DriverEnvironment, HypervisorDriver } from '../driver.js';
import { loadDomains } from './domain-loader.js';
import { hostDomainDefaults } from './host-domain-defaults.js';
import { Failpoints } from './failpoints.js';
import { detachGuest } from './guest-lifecycle.js';
import { recoverIntents } from './intent-recovery.js';
import { DEFAULT_KVM_DEVICE } from './host-acceleration.js';
import { qemuCapabilities } from './qemu-capabilities.js';
import { defaultRuntimeDir, type QemuDriverOptions } from './qemu-driver-options.js';
import { withQemuEvents } from './qemu-events.js';
import { qemuMethods } from './qemu-methods.js';
import { guardEngineErrors } from './engine-error-boundary.js';
import { QemuHost } from './qemu-host.js';
import { StateLayout } from './state-layout.js';

/** The QEMU version `<binary> --version` prints, encoded as libvirt's virConnectGetVersion does. */
export async function probeQemuVersion(binary: string): Promise<number> {
  try {
    const { stdout } = await promisify(execFile)(binary, ['--version'], { timeout: 10_000 });
    const match = /version (\d+)\.(\d+)\.(\d+)/.exec(stdout);
    if (!match) throw new Error(`unexpected output: ${stdout.split('\n')[0]}`);
    return encodeVersion(Number(match[1]), Number(match[2]), Number(match[3]));
  } catch (error) {
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `Cannot find QEMU binary ${binary}: ${(error as Error).message}`);
  }
}

/**
 * The qemu driver (libvirt's `qemu:///session`). One host per daemon, shared by every connection.
 * `initialize` runs before the daemon listens (the daemon holds the state directory's lock): it
 * loads the state, accounts for every QEMU (re-attached, or stopped when its start never
 * completed) and finishes or undoes every change a crash interrupted. `shutdown` detaches from
 * the guests and leaves them running.
 */
export class QemuDriver implements HypervisorDriver {
  readonly scheme = 'qemu';
  private readonly host: QemuHost;
  private version: Promise<number> | undefined;

  constructor(environment: DriverEnvironment, options: QemuDriverOptions = {}) {
    const layout = new StateLayout(environment.stateDir, options.runtimeDir ?? defaultRuntimeDir(environment.stateDir));
    this.host = new QemuHost({
      log: environment.log.child({ driver: 'qemu' }),
      layout,
      journal: new IntentJournal(layout.intentsDir),
      failpoints: Failpoints.fromEnvironment(),
      confinement: environment.confinement,
      qemuBinary: options.qemuBinary ?? 'qemu-system-x86_64',
      qemuImg: { binary: options.qemuImgBinary ?? 'qemu-img' },
      inspectionMonitor: options.inspectionMonitor ?? false,
      kvmDevice: options.kvmDevice ?? DEFAULT_KVM_DEVICE,
      ...(environment.streams ? { streams: environment.streams } : {}),
      overlayCreation: options.overlayCreation ?? 'engine',
    });
  }

  async initialize(): Promise<void> {
    const { root } = this.host.services.layout;
    mkdirSync(root, { recursive: true, mode: 0o700 });
    removeStaleTempFiles(root); // a request-key file write a crash interrupted
    // read before recovery: a keyed call's change that recovery completes records the call's answer in it
    this.host.requestOutcomes = new DurableRequestOutcomes(join(root, 'request-keys.json'), REQUEST_KEY_TTL_MS);
    hostDomainDefaults(this.host.services.qemuBinary); // asks QEMU for its machine aliases now, not during the first define
    await loadDomains(this.host);
    await this.host.services.failpoints.whileSuspended(() => recoverIntents(this.host));
  }

  async open(uri: ConnectionUri): Promise<DriverConnection> {
    if (uri.path !== '/session') {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `unexpected QEMU URI path '${uri.path}', try qemu:///session`);
    }
    this.version ??= probeQemuVersion(this.host.services.qemuBinary).catch((error: unknown) => {
      this.version = undefined;
      throw error;
    });
    const version = await this.version;
    const methods = withQemuEvents(this.host, guardEngineErrors(qemuMethods(this.host, version), this.host.services.log));
    return {
      uri: 'qemu:///session',
      capabilities: qemuCapabilities(version, methods),
      methods,
      events: this.host.events,
      jobCompletedEvents: true,
      ...(this.host.requestOutcomes ? { requestOutcomes: this.host.requestOutcomes } : {}),
      close: async () => undefined,
    };
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.host.domains().map((domain) => detachGuest(domain)));
  }
}
