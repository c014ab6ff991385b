// The test driver made asynchronous, as the qemu driver is: its write calls yield to the event loop and can be held.
import { methods, type MethodName } from '@virtwire/protocol';
import {
  confinementPolicy,
  type ConnectionUri,
  type DriverConnection,
  type DriverEnvironment,
  type DriverMethods,
  type HypervisorDriver,
} from '@virtwire/server';
import { pino } from 'pino';
import { TestDriver } from '@virtwire/server/testing';
import { FIXTURE_NODES } from '../../helpers/virtwired.js';

type AnyHandler = (params: unknown, call: unknown) => unknown;

/** A write call held before it reaches the test driver, until the test releases it. */
export interface HeldCall {
  /** Resolves with the method name once a call is held. */
  readonly entered: Promise<string>;
  release(): void;
}

/** What the driver itself saw: how many write calls it was inside at once, per domain and in all. */
export interface ObservedConcurrency {
  maxPerDomain: number;
  /** Times a write call entered while a call on another domain was inside. */
  crossDomainOverlaps: number;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A small deterministic generator (mulberry32), so a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Wraps the real test driver under the `test` scheme (it replaces the built-in one when given to
 * startDaemon). Each write call that names a domain waits 0..maxYields event-loop turns before the
 * real handler runs, so calls from many clients interleave the way an async driver's do; `hold()`
 * parks the next write call until released.
 */
export class AsyncTestDriver implements HypervisorDriver {
  readonly scheme = 'test';
  readonly observed: ObservedConcurrency = { maxPerDomain: 0, crossDomainOverlaps: 0 };
  private readonly inner: TestDriver;
  private readonly inside = new Map<string, number>();
  private insideTotal = 0;
  private pendingHold: { enter: (method: string) => void; released: Promise<void> } | null = null;
  private readonly random: () => number;

  constructor(options: { maxYields?: number; seed?: number } = {}) {
    const environment: DriverEnvironment = {
      log: pino({ level: 'silent' }),
      stateDir: '/nonexistent',
      confinement: confinementPolicy({ nodeFileRoots: [FIXTURE_NODES] }),
    };
    this.inner = new TestDriver(environment);
    this.maxYields = options.maxYields ?? 3;
    this.random = seededRandom(options.seed ?? 1);
  }

  private readonly maxYields: number;

  /** When set, ConnectOpen advertises this atomic disk limit for every kind of snapshot (a driver whose capabilities changed, as after a restart). */
  atomicLimit: number | null = null;

  /** Parks the next write call before it reaches the driver. */
  hold(): HeldCall {
    let enter!: (method: string) => void;
    let release!: () => void;
    const entered = new Promise<string>((resolve) => (enter = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.pendingHold = { enter, released };
    return { entered, release };
  }

  async open(uri: ConnectionUri, readOnly: boolean): Promise<DriverConnection> {
    const connection = await this.inner.open(uri);
    const table: Record<string, { flags: number; handle: AnyHandler }> = {};
    for (const [name, method] of Object.entries(connection.methods) as Array<[MethodName, { flags: number; handle: AnyHandler }]>) {
      table[name] = methods[name].permission === 'write' ? { flags: method.flags, handle: this.slowed(name, method.handle) } : method;
    }
    void readOnly;
    const limit = this.atomicLimit;
    const capabilities =
      limit === null
        ? connection.capabilities
        : { ...connection.capabilities, atomic: connection.capabilities.atomic.map((kind) => ({ ...kind, maxDisks: limit })) };
    return { ...connection, capabilities, methods: table as DriverMethods };
  }

  async shutdown(): Promise<void> {
    await this.inner.shutdown();
  }

  private slowed(name: string, handler: AnyHandler): AnyHandler {
    return async (params, call) => {
      const p = params as { domain?: { uuid: string }; snapshot?: { domain: { uuid: string } } };
      const domain = (p.domain ?? p.snapshot?.domain)?.uuid;
      if (domain === undefined) return handler(params, call);
      this.enter(domain);
      try {
        const hold = this.pendingHold;
        if (hold) {
          this.pendingHold = null;
          hold.enter(name);
          await hold.released;
        } else {
          const yields = Math.floor(this.random() * (this.maxYields + 1));
          for (let i = 0; i < yields; i++) await nextTick();
        }
        return handler(params, call);
      } finally {
        this.leave(domain);
      }
    };
  }

  private enter(domain: string): void {
    const count = (this.inside.get(domain) ?? 0) + 1;
    if (this.insideTotal > count - 1) this.observed.crossDomainOverlaps++;
    this.inside.set(domain, count);
    this.insideTotal++;
    this.observed.maxPerDomain = Math.max(this.observed.maxPerDomain, count);
  }

  private leave(domain: string): void {
    this.inside.set(domain, this.inside.get(domain)! - 1);
    this.insideTotal--;
  }
}
