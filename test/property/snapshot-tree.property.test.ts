// Random create/revert/delete/redefine/lifecycle sequences against a real daemon, every answer compared with a reference model.
import {
  connect,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlags as Delete,
  DomainSnapshotListFlags as L,
  DomainSnapshotRevertFlags as Revert,
  DomainSnapshotXMLFlags,
  DomainState,
  ErrorDomain,
  ErrorNumber,
  VirError,
  type Connection,
  type Domain,
} from '@virtwire/client';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { invalidFlags, SnapshotModel, testError, type ExpectedError } from './snapshot-model.js';

interface Real {
  conn: Connection;
  dom: Domain;
}

/** What each step asks the daemon after acting: list flags for the domain and for one snapshot's children. */
interface Probe {
  domainFlags: number[];
  childFlags: number[];
  pick: number;
}

const listFlags = fc.integer({ min: 0, max: 0x7ff });
const probe: fc.Arbitrary<Probe> = fc.record({
  domainFlags: fc.array(listFlags, { minLength: 2, maxLength: 3 }),
  childFlags: fc.array(listFlags, { minLength: 1, maxLength: 2 }),
  pick: fc.nat(),
});

async function outcome(promise: Promise<unknown>): Promise<ExpectedError | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (!VirError.is(error)) throw error;
    return { code: error.code, domain: error.domain, message: error.message };
  }
}

const sortedNames = (list: { name: string }[]) => list.map((s) => s.name).sort();

/** Parents come before their children in a TOPOLOGICAL answer. */
function expectTopological(model: SnapshotModel, names: string[]): void {
  names.forEach((name, index) => {
    const parent = model.snapshots.get(name)?.parent;
    if (parent && names.includes(parent)) expect(names.indexOf(parent)).toBeLessThan(index);
  });
}

/**
 * Compares every answer the probe asks for with the model. Everything awaited comes before the
 * first check is started: a check left behind by an earlier throw would reject unobserved.
 */
async function verify(model: SnapshotModel, { dom }: Real, p: Probe): Promise<void> {
  const target = model.snapshots.size > 0 ? model.pick(p.pick) : undefined;
  const handle = target ? await dom.snapshotLookupByName(target.name) : undefined;
  const checks: Promise<void>[] = [];
  checks.push(dom.getState().then((s) => void expect(s).toEqual({ state: model.state, reason: model.reason })));
  checks.push(
    outcome(dom.snapshotCurrent()).then(async (error) => {
      if (model.current === null) {
        expect(error).toEqual(testError(ErrorNumber.NoDomainSnapshot, 'Domain snapshot not found: the domain does not have a current snapshot'));
      } else {
        expect(error).toBeNull();
        expect((await dom.snapshotCurrent()).name).toBe(model.current);
      }
    }),
  );
  checks.push(dom.hasCurrentSnapshot().then((has) => void expect(has).toBe(model.current !== null)));
  for (const flags of [0, ...p.domainFlags]) {
    checks.push(
      dom.listAllSnapshots(flags).then((list) => {
        expect(sortedNames(list)).toEqual(model.list(null, flags));
        if (flags & L.Topological)
          expectTopological(
            model,
            list.map((s) => s.name),
          );
      }),
    );
    checks.push(dom.snapshotNum(flags).then((n) => void expect(n).toBe(model.list(null, flags).length)));
  }
  if (target && handle) {
    checks.push(
      outcome(handle.getParent()).then((error) => {
        if (target.parent === null) {
          expect(error).toEqual(testError(ErrorNumber.NoDomainSnapshot, `Domain snapshot not found: snapshot '${target.name}' does not have a parent`));
        } else expect(error).toBeNull();
      }),
    );
    if (target.parent !== null) checks.push(handle.getParent().then((parent) => void expect(parent.name).toBe(target.parent)));
    checks.push(handle.isCurrent().then((current) => void expect(current).toBe(model.current === target.name)));
    for (const flags of [0, ...p.childFlags]) {
      checks.push(
        handle.listAllChildren(flags).then((list) => {
          expect(sortedNames(list)).toEqual(model.list(target.name, flags));
          if (flags & L.Topological)
            expectTopological(
              model,
              list.map((s) => s.name),
            );
        }),
      );
      checks.push(handle.numChildren(flags).then((n) => void expect(n).toBe(model.list(target.name, flags).length)));
    }
  }
  await Promise.all(checks);
}

type Command = fc.AsyncCommand<SnapshotModel, Real>;

/** Runs the real call, compares its outcome with the prediction, applies the model change on success, then verifies. */
async function step(model: SnapshotModel, real: Real, p: Probe, act: Promise<unknown>, expected: ExpectedError | null, apply: () => void) {
  expect(await outcome(act)).toEqual(expected);
  if (expected === null) apply();
  await verify(model, real, p);
}

class CreateCommand implements Command {
  constructor(
    readonly diskOnly: boolean,
    readonly halt: boolean,
    readonly probe: Probe,
  ) {}
  check = () => true;
  async run(m: SnapshotModel, r: Real) {
    const name = m.newName();
    const flags = (this.diskOnly ? Create.DiskOnly : 0) | (this.halt ? Create.Halt : 0);
    await step(m, r, this.probe, r.dom.snapshotCreateXML(`<domainsnapshot><name>${name}</name></domainsnapshot>`, flags), null, () => {
      const stateName = m.state === DomainState.Paused ? 'paused' : m.active ? 'running' : 'shutoff';
      m.snapshots.set(name, {
        name,
        parent: m.current,
        state: this.diskOnly ? (m.active ? 'disk-snapshot' : 'shutoff') : stateName,
        external: this.diskOnly,
        base: m.live,
      });
      m.current = name;
      if (this.diskOnly) m.live = m.newImage();
      if (this.halt && m.active) [m.state, m.reason] = [DomainState.Shutoff, 7];
    });
  }
  toString = () => `create(${this.diskOnly ? 'disk-only' : 'full'}${this.halt ? '|halt' : ''})`;
}

class RevertCommand implements Command {
  constructor(
    readonly pick: number,
    readonly flags: number,
    readonly probe: Probe,
  ) {}
  check = (m: Readonly<SnapshotModel>) => m.snapshots.size > 0;
  async run(m: SnapshotModel, r: Real) {
    const target = m.pick(this.pick);
    const online = target.state === 'running' || target.state === 'paused';
    const start = (this.flags & (Revert.Running | Revert.Paused)) !== 0;
    let expected: ExpectedError | null = null;
    if (this.flags & Revert.Running && this.flags & Revert.Paused) {
      expected = invalidFlags("Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive");
    }
    const handle = await r.dom.snapshotLookupByName(target.name);
    await step(m, r, this.probe, handle.revert(this.flags), expected, () => {
      const endActive = online || start;
      const paused = !(this.flags & Revert.Running) && (target.state === 'paused' || (this.flags & Revert.Paused) !== 0);
      if (m.active && (!endActive || !online)) [m.state, m.reason] = [DomainState.Shutoff, 7];
      if (endActive) [m.state, m.reason] = paused ? [DomainState.Paused, 7] : [DomainState.Running, 4];
      m.live = target.external ? m.newImage() : target.base;
      m.current = target.name;
    });
  }
  toString = () => `revert(#${this.pick}, 0x${this.flags.toString(16)})`;
}

class DeleteCommand implements Command {
  constructor(
    readonly pick: number,
    readonly requested: number,
    readonly probe: Probe,
  ) {}
  check = (m: Readonly<SnapshotModel>) => m.snapshots.size > 0;
  async run(m: SnapshotModel, r: Real) {
    const target = m.pick(this.pick);
    let flags = this.requested;
    const descendants = (flags & (Delete.Children | Delete.ChildrenOnly)) !== 0;
    // Merging an external snapshot's disks is storage work the model does not track: those deletes drop metadata only
    // (the e2e tests cover merges).
    if (!descendants && target.external) flags |= Delete.MetadataOnly;
    const expected = this.predict(m, target.name, flags);
    const handle = await r.dom.snapshotLookupByName(target.name);
    await step(m, r, this.probe, handle.delete(flags), expected, () => {
      if (descendants) {
        const doomed = m.descendants(target.name);
        const currentInside = doomed.some((s) => s.name === m.current);
        for (const s of doomed) m.snapshots.delete(s.name);
        if (currentInside) m.current = target.name;
        if (flags & Delete.ChildrenOnly) return;
      }
      m.removeOne(target.name);
    });
  }

  private predict(m: SnapshotModel, name: string, flags: number): ExpectedError | null {
    if (flags & Delete.Children && flags & Delete.ChildrenOnly) {
      return invalidFlags("Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually exclusive");
    }
    if (flags & Delete.MetadataOnly) return null;
    const target = m.snapshots.get(name)!;
    const config = (detail: string) => testError(ErrorNumber.ConfigUnsupported, `unsupported configuration: ${detail}`);
    if (!target.external && m.active && target.base !== m.live) {
      return testError(
        ErrorNumber.OperationUnsupported,
        `Operation not supported: disk image 'vda' for internal snapshot '${name}' is not the same as disk image currently used by VM`,
      );
    }
    if (flags & (Delete.Children | Delete.ChildrenOnly)) {
      const below = m.descendants(name);
      const external = below.filter((s) => s.external).length;
      if (external > 0 && external < below.length) return config('deletion of external and internal children disk snapshots not supported');
      if (external > 0) return config('deletion of external children disk snapshots not supported');
    }
    if (target.external) {
      const children = m.children(name).length;
      if (flags & Delete.Children) return config('deletion of external disk snapshots with children not supported');
      if (m.current === name && children > 0) return config('deletion of active external snapshot that is not a leaf snapshot is not supported');
      if (m.current !== name && children > 0 && !m.isAncestorOrSelf(name, m.current)) {
        return config('deletion of non-leaf external snapshot that is not in active chain is not supported');
      }
      if (children > 1) return config('deletion of external disk snapshot with multiple children snapshots not supported');
    }
    return null;
  }
  toString = () => `delete(#${this.pick}, 0x${this.requested.toString(16)})`;
}

/** virsh's snapshot-current NAME: REDEFINE|CURRENT (+DISK_ONLY) with the snapshot's own XML. */
class SetCurrentCommand implements Command {
  constructor(
    readonly pick: number,
    readonly probe: Probe,
  ) {}
  check = (m: Readonly<SnapshotModel>) => m.snapshots.size > 0;
  async run(m: SnapshotModel, r: Real) {
    const target = m.pick(this.pick);
    const xml = await (await r.dom.snapshotLookupByName(target.name)).getXMLDesc(DomainSnapshotXMLFlags.Secure);
    const flags = Create.Redefine | Create.Current | (target.state === 'disk-snapshot' ? Create.DiskOnly : 0);
    await step(m, r, this.probe, r.dom.snapshotCreateXML(xml, flags), null, () => {
      m.current = target.name;
    });
  }
  toString = () => `set-current(#${this.pick})`;
}

class LifecycleCommand implements Command {
  constructor(
    readonly action: 'suspend' | 'resume' | 'destroy' | 'start',
    readonly probe: Probe,
  ) {}
  check = () => true;
  async run(m: SnapshotModel, r: Real) {
    const internal = (message: string) => testError(ErrorNumber.InternalError, `internal error: ${message}`);
    const plan = {
      suspend: () => (m.state === DomainState.Running ? [DomainState.Paused, 1] : internal("domain 'pt' not running")),
      resume: () => (m.state === DomainState.Paused ? [DomainState.Running, 5] : internal("domain 'pt' not paused")),
      destroy: () =>
        m.active
          ? [DomainState.Shutoff, 2]
          : { code: ErrorNumber.OperationInvalid, domain: ErrorDomain.Domain, message: 'Requested operation is not valid: domain is not running' },
      start: () => (m.active ? internal("Domain 'pt' is already running") : [DomainState.Running, 1]),
    }[this.action]();
    const act = { suspend: () => r.dom.suspend(), resume: () => r.dom.resume(), destroy: () => r.dom.destroy(), start: () => r.dom.create() }[this.action]();
    const expected = Array.isArray(plan) ? null : plan;
    await step(m, r, this.probe, act, expected, () => {
      if (Array.isArray(plan)) [m.state, m.reason] = plan as [number, number];
    });
  }
  toString = () => this.action;
}

const commands = [
  fc.tuple(fc.boolean(), fc.boolean(), probe).map(([diskOnly, halt, p]) => new CreateCommand(diskOnly, halt, p)),
  fc.tuple(fc.boolean(), fc.boolean(), probe).map(([diskOnly, halt, p]) => new CreateCommand(diskOnly, halt, p)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), probe).map(([pick, flags, p]) => new RevertCommand(pick, flags, p)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), probe).map(([pick, flags, p]) => new DeleteCommand(pick, flags, p)),
  fc.tuple(fc.nat(), probe).map(([pick, p]) => new SetCurrentCommand(pick, p)),
  fc.tuple(fc.constantFrom('suspend', 'resume', 'destroy', 'start' as const), probe).map(([action, p]) => new LifecycleCommand(action, p)),
];

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => {
  await server.close();
});

/**
 * One eighth of all 2,048 list flag combinations: `part` (0..7) picks ROOTS, TOPOLOGICAL and the
 * top LOCATION bit; every combination of the other filter bits is asked.
 */
async function verifyFilterCombinations(model: SnapshotModel, { dom }: Real, part: number): Promise<void> {
  const checks: Promise<void>[] = [];
  const extra = (part & 1 ? L.Roots : 0) | (part & 2 ? L.Topological : 0) | (part & 4 ? L.External : 0);
  for (let groups = 0; groups < 256; groups++) {
    // bits 1..8: the METADATA, LEAVES and STATUS groups and INTERNAL
    const flags = (groups << 1) | extra;
    checks.push(
      dom.listAllSnapshots(flags).then((list) => {
        expect(sortedNames(list), `flags 0x${flags.toString(16)}`).toEqual(model.list(null, flags));
        if (flags & L.Topological)
          expectTopological(
            model,
            list.map((s) => s.name),
          );
      }),
    );
    if (groups % 4 === 0) checks.push(dom.snapshotNum(flags).then((n) => void expect(n, `num 0x${flags.toString(16)}`).toBe(model.list(null, flags).length)));
  }
  await Promise.all(checks);
}

// A fixed amount of work (100 runs of up to 30 steps, ~30,000 calls): 8-16 s on an idle machine, more under load, so its own bound.
it('answers every list, count, parent, children and current question like the reference model', { timeout: 180_000 }, async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 30, size: 'max' }), async (cmds) => {
      const conn = await connect(server.nodeUri('property.xml'));
      try {
        const real = { conn, dom: await conn.domainLookupByName('pt') };
        const model = new SnapshotModel();
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        // After each run, one eighth of all 2,048 list flag combinations: over 100 runs each is asked about 12 times.
        await verifyFilterCombinations(model, real, run++ % 8);
      } finally {
        await conn.close();
      }
    }),
    { numRuns: 100 },
  );
});
