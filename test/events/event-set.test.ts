// Jepsen-style set test for events: every subscriber sees exactly one created event per acknowledged create and one deleted per acknowledged delete, in per-domain order, none for refused calls.
import { connect, DomainEventId, VirError, type Connection, type DomainEventParams, type DomainRef } from '@virtwire/client';
import type { HypervisorDriver } from '@virtwire/server';
import { describe, expect, it } from 'vitest';
import { AsyncTestDriver, seededRandom } from '../concurrency/helpers/async-test-driver.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const WRITERS = 8;
const OPS_PER_WRITER = 60;
const SUBSCRIBERS = 3;
const DOMAINS = ['test', 'hot2'];
const ATOMIC = 128;

const snapshotXml = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;

/** One call as its writer saw it. */
interface Call {
  kind: 'create' | 'delete';
  domain: string;
  name: string;
  acked: boolean;
}

/** A subscriber's events of both kinds, in arrival order. */
async function subscribe(uri: string, options: { readOnly?: boolean } = {}): Promise<{ conn: Connection; events: DomainEventParams[] }> {
  const conn = await connect(uri, options);
  const events: DomainEventParams[] = [];
  await conn.on('snapshot', (e) => events.push(e));
  await conn.on('lifecycle', (e) => events.push(e));
  return { conn, events };
}

/** One writer: creates (some with a name already taken: refused), deletes of its own snapshots (some of names that do not exist: refused). */
async function write(id: number, uri: string, calls: Call[]): Promise<void> {
  const random = seededRandom(500 + id);
  const conn = await connect(uri);
  const refs = new Map<string, DomainRef>();
  for (const name of DOMAINS) refs.set(name, (await conn.domainLookupByName(name)).ref);
  const own = new Map<string, string[]>(DOMAINS.map((d) => [d, []]));
  for (let seq = 0; seq < OPS_PER_WRITER; seq++) {
    const domain = DOMAINS[Math.floor(random() * DOMAINS.length)]!;
    const mine = own.get(domain)!;
    const roll = random();
    let call: Call;
    let run: () => Promise<unknown>;
    if (roll < 0.55 || mine.length === 0) {
      // one create in ten reuses a name this writer already created there: refused, "already exists"
      const name = roll < 0.05 && mine.length > 0 ? mine[0]! : `w${id}-${seq}`;
      call = { kind: 'create', domain, name, acked: false };
      run = () => conn.call('DomainSnapshotCreateXML', { domain: refs.get(domain)!, xml: snapshotXml(name), flags: ATOMIC });
    } else if (roll < 0.9) {
      const name = mine.splice(Math.floor(random() * mine.length), 1)[0]!;
      call = { kind: 'delete', domain, name, acked: false };
      run = () => conn.call('DomainSnapshotDelete', { snapshot: { name, domain: refs.get(domain)! }, flags: 0 });
    } else {
      const name = `never-${id}-${seq}`;
      call = { kind: 'delete', domain, name, acked: false };
      run = () => conn.call('DomainSnapshotDelete', { snapshot: { name, domain: refs.get(domain)! }, flags: 0 });
    }
    try {
      await run();
      call.acked = true;
      if (call.kind === 'create') mine.push(call.name);
    } catch (error) {
      if (!VirError.is(error)) throw error;
    }
    calls.push(call);
  }
  await conn.close();
}

const drivers: Array<[string, () => HypervisorDriver | undefined]> = [
  ['the test driver', () => undefined],
  ['an asynchronous driver', () => new AsyncTestDriver({ maxYields: 3, seed: 5 }) as unknown as HypervisorDriver],
];

describe.each(drivers)('snapshot events with %s', (_label, makeDriver) => {
  it(`${WRITERS} writers x ${OPS_PER_WRITER} calls, ${SUBSCRIBERS} subscribers: exactly the acknowledged changes, in one order`, async () => {
    const driver = makeDriver();
    const server: TestDaemon = await startTestDaemon({}, driver ? [driver] : []);
    await server.keepDefaultHost();
    try {
      const admin = await connect(server.uri());
      await (
        await admin.domainDefineXML("<domain type='test'><name>hot2</name><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>")
      ).create();
      const subscribers = [
        await subscribe(server.uri()),
        await subscribe(server.uri(), { readOnly: true }),
        await subscribe(`test+unix:///default?socket=${encodeURIComponent(server.socket)}`),
      ].slice(0, SUBSCRIBERS);
      const calls: Call[] = [];
      await Promise.all(Array.from({ length: WRITERS }, (_, id) => write(id, server.uri(), calls)));
      // every event precedes its call's reply on the writer's socket, not on a subscriber's: one
      // round trip on each subscriber after the writers are done brings in everything sent before it
      for (const { conn } of subscribers) await conn.getVersion();

      const acked = (kind: Call['kind']) =>
        calls
          .filter((c) => c.kind === kind && c.acked)
          .map((c) => `${c.domain}/${c.name}`)
          .sort();
      expect(acked('create').length).toBeGreaterThan(WRITERS * OPS_PER_WRITER * 0.3);
      expect(acked('delete').length).toBeGreaterThan(WRITERS * 5);
      expect(calls.filter((c) => !c.acked).length).toBeGreaterThan(WRITERS);

      const views = subscribers.map(({ events }) => events.map(({ callbackID: _c, seq: _s, ...rest }) => rest));
      for (const { events } of subscribers) {
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        const snapshotEvents = events.filter((e): e is Extract<DomainEventParams, { eventID: 1000 }> => e.eventID === DomainEventId.Snapshot);
        const of = (action: string) =>
          snapshotEvents
            .filter((e) => e.action === action)
            .map((e) => `${e.domain.name}/${e.snapshot}`)
            .sort();
        expect(of('created')).toEqual(acked('create'));
        expect(of('deleted')).toEqual(acked('delete'));
        expect(of('failed')).toEqual([]);
        // per domain: a name is created before it is deleted, and its current-changed follows its create
        for (const domain of DOMAINS) {
          const mine = snapshotEvents.filter((e) => e.domain.name === domain);
          const position = new Map<string, number>();
          mine.forEach((e, i) => position.set(`${e.action}/${e.snapshot}`, i));
          for (const e of mine.filter((x) => x.action === 'deleted'))
            expect(position.get(`created/${e.snapshot}`)!).toBeLessThan(position.get(`deleted/${e.snapshot}`)!);
        }
        expect(events.some((e) => e.eventID === DomainEventId.Lifecycle)).toBe(false);
      }
      // every subscriber, read-only and unix-socket ones included, saw the same events in the same order
      for (const view of views.slice(1)) expect(view).toEqual(views[0]);
      for (const { conn } of subscribers) await conn.close();
      await admin.close();
    } finally {
      await server.close();
    }
  });
});
