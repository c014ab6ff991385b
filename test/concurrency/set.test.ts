// Jepsen-style set test: 32 real WebSocket clients create, delete and list snapshots on 4 domains of one daemon.
import { connect, nodeWebSocket, ErrorDomain, ErrorNumber, VirError, type Connection, type DomainRef, type WebSocketFactory } from '@virtwire/client';
import { JobTraceRecorder, type HypervisorDriver } from '@virtwire/server';
import { describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { AsyncTestDriver, seededRandom } from './helpers/async-test-driver.js';
import { analyseTrace, checkSet, outcomeOf, type Operation } from './helpers/set-history.js';

const CLIENTS = 32;
const OPS_PER_CLIENT = 200;
/** Each client drops its socket with a create in flight at this operation, then reconnects. */
const CRASH_AT = 100;
const ATOMIC = 128;
const HOT = ['test', 'hot2'];
const COLD = ['cold1', 'cold2'];

const domainXml = (name: string) => `<domain type='test'><name>${name}</name><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>
  <devices><disk type='file' device='disk'><source file='/guest/${name}.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
const snapshotXml = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;

/** Defines and starts the three domains beside test:///default's `test`. */
async function prepareDomains(server: TestDaemon): Promise<void> {
  const admin = await connect(server.uri('/default'));
  for (const name of ['hot2', ...COLD]) await (await admin.domainDefineXML(domainXml(name))).create();
  await admin.close();
}

/** A connection whose WebSocket the test can cut without a goodbye. */
async function openClient(uri: string): Promise<{ conn: Connection; cut: () => void; refs: Map<string, DomainRef> }> {
  let socket: { terminate(): void } | undefined;
  const capture: WebSocketFactory = (url, protocols) => {
    const ws = nodeWebSocket(url, protocols);
    socket = ws as unknown as { terminate(): void };
    return ws;
  };
  const conn = await connect(uri, { webSocket: capture });
  const refs = new Map<string, DomainRef>();
  for (const name of [...HOT, ...COLD]) refs.set(name, (await conn.domainLookupByName(name)).ref);
  return { conn, cut: () => socket!.terminate(), refs };
}

/** One client's 200 operations: 60 % create, 30 % delete of its own snapshots (lookup while the driver cannot delete), 10 % list. */
async function runClient(id: number, uri: string, history: Operation[]): Promise<void> {
  const random = seededRandom(1000 + id);
  let client = await openClient(uri);
  const canDelete = 'DomainSnapshotDelete' in client.conn.capabilities.methods;
  const own = new Map<string, string[]>(); // acknowledged, not being deleted, per domain
  const pickDomain = () => (random() < 0.8 ? HOT[Math.floor(random() * HOT.length)]! : COLD[id % COLD.length]!);
  const record = async (op: Omit<Operation, 'invokedAt' | 'completedAt' | 'outcome'>, call: () => Promise<unknown>, cut = false) => {
    const entry: Operation = { ...op, invokedAt: performance.now(), completedAt: 0, outcome: 'ok' };
    const pending = call();
    if (cut) client.cut();
    try {
      const result = await pending;
      if (op.kind === 'list') entry.names = (result as { names: string[] }).names;
    } catch (error) {
      Object.assign(entry, outcomeOf(error));
    }
    entry.completedAt = performance.now();
    history.push(entry);
    return entry;
  };

  for (let seq = 0; seq < OPS_PER_CLIENT; seq++) {
    const domain = pickDomain();
    const domainRef = client.refs.get(domain)!;
    const mine = own.get(domain) ?? [];
    own.set(domain, mine);
    const roll = random();
    if (seq === CRASH_AT || roll < 0.6 || (roll < 0.9 && mine.length === 0)) {
      const name = `c${id}-${seq}`;
      const create = () => client.conn.call('DomainSnapshotCreateXML', { domain: domainRef, xml: snapshotXml(name), flags: ATOMIC });
      const entry = await record({ client: id, kind: 'create', domain, name }, create, seq === CRASH_AT);
      if (entry.outcome === 'ok') mine.push(name);
      if (seq === CRASH_AT) client = await openClient(uri);
    } else if (roll < 0.9) {
      const name = mine.splice(Math.floor(random() * mine.length), 1)[0]!;
      const snapshot = { name, domain: domainRef };
      if (canDelete) {
        await record({ client: id, kind: 'delete', domain, name }, () => client.conn.call('DomainSnapshotDelete', { snapshot, flags: 0 }));
      } else {
        await record({ client: id, kind: 'lookup', domain, name }, () => client.conn.call('DomainSnapshotLookupByName', { domain: domainRef, name, flags: 0 }));
        mine.push(name);
      }
    } else {
      await record({ client: id, kind: 'list', domain }, () => client.conn.call('DomainListAllSnapshots', { domain: domainRef, flags: 0 }));
    }
  }
  await client.conn.close();
}

async function finalContents(server: TestDaemon): Promise<Map<string, string[]>> {
  const reader = await connect(server.uri('/default'));
  const lists = new Map<string, string[]>();
  for (const name of [...HOT, ...COLD]) {
    const dom = await reader.domainLookupByName(name);
    const names = (await dom.listAllSnapshots()).map((s) => s.name);
    expect(await dom.snapshotNum()).toBe(names.length);
    lists.set(name, names);
  }
  await reader.close();
  return lists;
}

const drivers: Array<[string, () => AsyncTestDriver | undefined]> = [
  ['the test driver', () => undefined],
  ['an asynchronous driver (the test driver behind event-loop turns)', () => new AsyncTestDriver({ maxYields: 3, seed: 7 })],
];

describe.each(drivers)('set test with %s', (_label, makeDriver) => {
  it('32 clients x 200 operations: 0 lost, 0 duplicated, 0 phantom; one job per domain at a time', async () => {
    const driver = makeDriver();
    const trace = new JobTraceRecorder();
    const server = await startTestDaemon({ jobTrace: trace.record }, driver ? [driver as HypervisorDriver] : []);
    await server.keepDefaultHost();
    try {
      await prepareDomains(server);
      const setupEvents = trace.events.length;
      const history: Operation[] = [];
      await Promise.all(Array.from({ length: CLIENTS }, (_, id) => runClient(id, server.uri('/default'), history)));
      const verdict = checkSet(history, await finalContents(server));

      expect(history).toHaveLength(CLIENTS * OPS_PER_CLIENT);
      expect(verdict.lost).toEqual([]);
      expect(verdict.duplicated).toEqual([]);
      expect(verdict.phantom).toEqual([]);
      expect(verdict.staleLists).toEqual([]);
      expect(history.filter((op) => op.outcome === 'fail').map((op) => `${op.kind} ${op.domain}/${op.name}: ${op.error}`)).toEqual([]);
      expect(verdict.ackedCreates).toBeGreaterThan(CLIENTS * OPS_PER_CLIENT * 0.5);
      if (history.some((op) => op.kind === 'delete')) expect(verdict.ackedDeletes).toBeGreaterThan(0);
      else expect(history.filter((op) => op.kind === 'lookup').length).toBeGreaterThan(0);

      const jobs = analyseTrace(trace.events.slice(setupEvents));
      expect(trace.dropped).toBe(0);
      expect(jobs.maxPerDomain).toBe(1);
      // Every answered write ran as one job; an unanswered one ran as a job if it reached the daemon.
      const answeredWrites = history.filter((op) => (op.kind === 'create' || op.kind === 'delete') && op.outcome !== 'unknown').length;
      expect(jobs.jobs).toBeGreaterThanOrEqual(answeredWrites);
      expect(jobs.jobs).toBeLessThanOrEqual(answeredWrites + verdict.indeterminate);
      if (driver) {
        expect(jobs.crossDomainOverlaps).toBeGreaterThan(0);
        expect(driver.observed.maxPerDomain).toBe(1);
        expect(driver.observed.crossDomainOverlaps).toBeGreaterThan(0);
      }
    } finally {
      await server.close();
    }
  });
});

describe('racing creates of one name', () => {
  it('exactly one of 8 clients succeeds, 50 times over', async () => {
    const driver = new AsyncTestDriver({ maxYields: 3, seed: 11 });
    const server = await startTestDaemon({}, [driver]);
    await server.keepDefaultHost();
    try {
      await prepareDomains(server);
      const clients = await Promise.all(Array.from({ length: 8 }, () => openClient(server.uri('/default'))));
      for (let round = 0; round < 50; round++) {
        const name = `race-${round}`;
        const outcomes = await Promise.allSettled(
          clients.map(({ conn, refs }) => conn.call('DomainSnapshotCreateXML', { domain: refs.get('test')!, xml: snapshotXml(name), flags: ATOMIC })),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) {
          if (o.status === 'fulfilled') continue;
          const error = o.reason as VirError;
          expect(VirError.is(error)).toBe(true);
          expect([error.code, error.domain, error.message]).toEqual([
            ErrorNumber.OperationFailed,
            ErrorDomain.Domain,
            `operation failed: domain moment ${name} already exists`,
          ]);
        }
      }
      const names = (await clients[0]!.conn.call('DomainListAllSnapshots', { domain: clients[0]!.refs.get('test')!, flags: 0 })).names;
      expect(names).toEqual(Array.from({ length: 50 }, (_, round) => `race-${round}`));
      await Promise.all(clients.map(({ conn }) => conn.close()));
    } finally {
      await server.close();
    }
  });
});
