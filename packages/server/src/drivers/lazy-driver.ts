// A hypervisor driver whose code is loaded when first needed: at start-up if it has state to recover, else at its first ConnectOpen.
import { ErrorNumber, VirError } from '@virtwire/protocol';
import type { ConnectionUri, DriverConnection, HypervisorDriver } from './driver.js';

/** How to load a driver lazily. */
export interface LazyDriverSpec {
  /** The URI scheme the driver answers (known before its code is loaded). */
  readonly scheme: string;
  /** The libvirt error domain its start-up failures are reported in. */
  readonly errorDomain: number;
  /** Imports the driver's module and constructs it. */
  load(): Promise<HypervisorDriver>;
  /**
   * True when the driver may have something to do before the daemon listens (state to load, guests to
   * re-attach, interrupted jobs to finish): then it is loaded and initialized at start-up, as before.
   */
  hasState(): boolean;
}

/**
 * Stands in for a driver until it is needed, so that a daemon that never opens it never loads its
 * modules. Loading and `initialize` happen once; if they fail at a ConnectOpen, that open and every
 * later one fail with the reason (the driver is not half-started twice).
 */
export class LazyDriver implements HypervisorDriver {
  readonly scheme: string;
  private started: Promise<HypervisorDriver> | undefined;

  constructor(private readonly spec: LazyDriverSpec) {
    this.scheme = spec.scheme;
  }

  async initialize(): Promise<void> {
    if (this.spec.hasState()) await this.start();
  }

  async open(uri: ConnectionUri, readOnly: boolean): Promise<DriverConnection> {
    let driver: HypervisorDriver;
    try {
      driver = await this.start();
    } catch (error) {
      if (VirError.is(error)) throw error;
      throw VirError.report(
        ErrorNumber.InternalError,
        this.spec.errorDomain,
        `the ${this.scheme} driver failed to start: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return driver.open(uri, readOnly);
  }

  async shutdown(): Promise<void> {
    const driver = await this.started?.catch(() => undefined);
    await driver?.shutdown();
  }

  /** Loads and initializes the driver once. */
  private start(): Promise<HypervisorDriver> {
    this.started ??= this.spec.load().then(async (driver) => {
      await driver.initialize?.();
      return driver;
    });
    return this.started;
  }
}
