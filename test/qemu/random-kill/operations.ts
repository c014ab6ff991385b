// The random-kill test's operations: every state change of the qemu driver, chosen by what the domain's state allows, with the state each one leads to.
import {
  DomainCreateFlags,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlags as Delete,
  DomainSnapshotRevertFlags as Revert,
  DomainXMLFlags,
  type Connection,
  type DomainRef,
} from '@virtwire/client';
import { join } from 'node:path';
import type { Random } from './random.js';

/** What the test knows of a snapshot: how it was made, and the run state it recorded. */
export interface SnapshotModel {
  kind: 'live-external' | 'live-internal' | 'checkpoint' | 'offline-external' | 'offline-internal' | 'memory';
  /** The end state of a plain revert to it. */
  revertsTo: 'running' | 'paused' | 'shutoff';
  /** The images it lives in: its overlays (external) or the images carrying its tag (internal); filled in from the daemon. */
  images?: string[];
}

/** The part of a domain's state the operations change, as the test expects it. */
export interface DomainModel {
  name: string;
  defined: boolean;
  state: 'running' | 'paused' | 'shutoff';
  snapshots: Map<string, SnapshotModel>;
  current: string | null;
  /** The longest disk chain (inactive definition). */
  chainDepth: number;
  /** Each disk's active image now. */
  tops?: string[];
}

/** One call the test makes, and what it leads to when it succeeds. */
export interface Operation {
  kind: string;
  domain: string;
  /** For the log: snapshot name, flags. */
  detail: string;
  /** Whether it may end or replace the guest's QEMU (start, destroy, revert, HALT). */
  changesProcess: boolean;
  /** A delete: the snapshot it removes (with CHILDREN its descendants go too, so only "a subset without it" is checked). */
  removes?: string;
  /** A create: the snapshot it adds, and how it was made. */
  creates?: readonly [string, SnapshotModel];
  /**
   * Makes the call(s). An operation of one state-changing call takes `requestKey` into it (virtwire's
   * request keys): the harness retries a call a daemon kill cut off with the same key.
   */
  run(conn: Connection, ref: DomainRef, requestKey?: string): Promise<unknown>;
  /** One call, whose retry with the same request key must answer as the first would have. */
  keyed?: true;
  /** The model after success. */
  after(before: DomainModel): DomainModel;
  /**
   * For an operation of several calls, the model between them: a daemon killed after the first call
   * and before the next leaves it there, which is neither undone nor done yet still consistent.
   */
  between?(before: DomainModel): DomainModel;
}

/** Where the test keeps a domain's files. */
export interface DomainFiles {
  images: string;
  targets: readonly string[];
}

const clone = (m: DomainModel): DomainModel => ({ ...m, snapshots: new Map(m.snapshots) });
const keyOf = (requestKey: string | undefined) => (requestKey === undefined ? {} : { requestKey });

function diskList(files: DomainFiles, domain: string, name: string, mode: 'internal' | 'external'): string {
  return files.targets
    .map((t) =>
      mode === 'external'
        ? `<disk name='${t}' snapshot='external'><source file='${join(files.images, `${domain}-${t}.${name}`)}'/></disk>`
        : `<disk name='${t}' snapshot='internal'/>`,
    )
    .join('');
}

/** An operation that creates snapshot `name` of kind `kind`. */
function createOperation(m: DomainModel, files: DomainFiles, name: string, kind: SnapshotModel['kind'], halt: boolean, live = false): Operation {
  const external = kind === 'live-external' || kind === 'offline-external' || kind === 'memory';
  const diskOnly = kind !== 'checkpoint' && kind !== 'offline-internal' && kind !== 'memory';
  const disks = diskOnly || kind === 'memory' ? `<disks>${diskList(files, m.name, name, external ? 'external' : 'internal')}</disks>` : '';
  // an external memory snapshot: the migration stream in `<domain>.<name>.mem` next to the overlays
  const memory = kind === 'memory' ? `<memory snapshot='external' file='${join(files.images, `${m.name}.${name}.mem`)}'/>` : '';
  const xml = `<domainsnapshot><name>${name}</name>${memory}${disks}</domainsnapshot>`;
  const flags = (diskOnly ? Create.DiskOnly : 0) | Create.Atomic | (halt ? Create.Halt : 0) | (live ? Create.Live : 0);
  const withMemory = kind === 'checkpoint' || kind === 'memory';
  const revertsTo: SnapshotModel['revertsTo'] = withMemory ? (m.state === 'paused' ? 'paused' : 'running') : 'shutoff';
  return {
    kind: `create-${kind}`,
    domain: m.name,
    detail: `${name}${halt ? ' HALT' : ''}${live ? ' LIVE' : ''}`,
    changesProcess: halt,
    creates: [name, { kind, revertsTo }],
    keyed: true,
    run: (conn, ref, requestKey) => conn.call('DomainSnapshotCreateXML', { domain: ref, xml, flags, ...keyOf(requestKey) }),
    after: (before) => {
      const next = clone(before);
      next.snapshots.set(name, { kind, revertsTo });
      next.current = name;
      if (halt) next.state = 'shutoff';
      return next;
    },
  };
}

/** Chooses the next operation on domain `m` (the snapshot name it would create: `name`). */
export function chooseOperation(random: Random, m: DomainModel, files: DomainFiles, name: string): Operation {
  const active = m.state !== 'shutoff';
  const snapshots = [...m.snapshots.keys()];
  const crowded = snapshots.length >= 5 || m.chainDepth >= 6;
  const choices: Array<readonly [() => Operation, number]> = [];
  const add = (weight: number, make: () => Operation) => choices.push([make, weight] as const);

  if (!active) {
    add(3, () => {
      const paused = random.chance(0.5);
      return {
        kind: 'start',
        domain: m.name,
        detail: paused ? 'paused' : 'running',
        changesProcess: true,
        keyed: true,
        run: (conn, ref, requestKey) => conn.call('DomainCreate', { domain: ref, flags: paused ? DomainCreateFlags.StartPaused : 0, ...keyOf(requestKey) }),
        after: (b) => ({ ...clone(b), state: paused ? 'paused' : 'running' }),
      };
    });
    if (!crowded) {
      add(2, () => createOperation(m, files, name, 'offline-external', false));
      add(2, () => createOperation(m, files, name, 'offline-internal', false));
    }
    if (snapshots.length === 0) {
      add(1, () => ({
        kind: 'undefine-define',
        domain: m.name,
        detail: '',
        changesProcess: false,
        run: async (conn, ref) => {
          const xml = await conn.call('DomainGetXMLDesc', { domain: ref, flags: DomainXMLFlags.Inactive });
          await conn.call('DomainUndefine', { domain: ref, flags: 0 });
          await conn.call('DomainDefineXML', { xml, flags: 0 });
        },
        after: clone,
        // two calls: a daemon killed between them leaves the domain undefined (chosen only while it has no snapshots)
        between: (b) => ({ ...clone(b), defined: false }),
      }));
    }
  } else {
    add(2, () => ({
      kind: 'destroy',
      domain: m.name,
      detail: '',
      changesProcess: true,
      keyed: true,
      run: (conn, ref, requestKey) => conn.call('DomainDestroy', { domain: ref, flags: 0, ...keyOf(requestKey) }),
      after: (b) => ({ ...clone(b), state: 'shutoff' }),
    }));
    if (m.state === 'running') {
      add(1, () => ({
        kind: 'suspend',
        domain: m.name,
        detail: '',
        changesProcess: false,
        keyed: true,
        run: (conn, ref, requestKey) => conn.call('DomainSuspend', { domain: ref, ...keyOf(requestKey) }),
        after: (b) => ({ ...clone(b), state: 'paused' }),
      }));
      add(0.5, () => ({
        kind: 'shutdown',
        domain: m.name,
        detail: '',
        changesProcess: false,
        run: (conn, ref) => conn.call('DomainShutdown', { domain: ref, flags: 0 }),
        after: clone,
      }));
    } else {
      add(1, () => ({
        kind: 'resume',
        domain: m.name,
        detail: '',
        changesProcess: false,
        keyed: true,
        run: (conn, ref, requestKey) => conn.call('DomainResume', { domain: ref, ...keyOf(requestKey) }),
        after: (b) => ({ ...clone(b), state: 'running' }),
      }));
    }
    if (!crowded) {
      add(3, () => createOperation(m, files, name, 'live-external', random.chance(0.1)));
      add(2, () => createOperation(m, files, name, 'live-internal', false));
      add(2, () => createOperation(m, files, name, 'checkpoint', false));
      add(2, () => createOperation(m, files, name, 'memory', random.chance(0.1), random.chance(0.5)));
    }
  }
  add(0.5, () => ({
    kind: 'redefine',
    domain: m.name,
    detail: '',
    changesProcess: false,
    run: async (conn, ref) => {
      const xml = await conn.call('DomainGetXMLDesc', { domain: ref, flags: DomainXMLFlags.Inactive });
      const memory = xml.includes('>131072<') ? '163840' : '131072';
      await conn.call('DomainDefineXML', {
        xml: xml
          .replace(/<memory unit='KiB'>\d+</, `<memory unit='KiB'>${memory}<`)
          .replace(/<currentMemory unit='KiB'>\d+</, `<currentMemory unit='KiB'>${memory}<`),
        flags: 0,
      });
    },
    after: clone,
  }));
  // mostly snapshots the call can work on (a refusal now and then is worth checking too)
  const usable = (name: string, forDelete: boolean) => {
    const s = m.snapshots.get(name)!;
    const onTop = (s.images ?? []).every((image) => m.tops?.includes(image));
    if (s.kind === 'live-external' || s.kind === 'offline-external' || s.kind === 'memory') return forDelete ? onTop : true;
    return onTop || (forDelete && !active);
  };
  const candidates = (forDelete: boolean) => {
    const fitting = snapshots.filter((n) => usable(n, forDelete));
    return fitting.length > 0 && random.chance(0.9) ? fitting : snapshots;
  };
  if (snapshots.length > 0) {
    add(crowded ? 6 : 2, () => {
      const target = random.pick(candidates(false));
      const flags = random.weighted([
        [0, 3],
        [Revert.Running, 1],
        [Revert.Paused, 1],
      ] as const);
      const snapshot = m.snapshots.get(target)!;
      const end = flags === Revert.Running ? 'running' : flags === Revert.Paused ? 'paused' : snapshot.revertsTo;
      return {
        kind: 'revert',
        domain: m.name,
        detail: `${target} (${snapshot.kind}) -> ${end}`,
        changesProcess: true,
        keyed: true,
        run: (conn, ref, requestKey) => conn.call('DomainRevertToSnapshot', { snapshot: { name: target, domain: ref }, flags, ...keyOf(requestKey) }),
        after: (b) => ({ ...clone(b), current: target, state: end }),
      };
    });
    add(crowded ? 8 : 2, () => {
      const target = random.pick(candidates(true));
      const children = random.chance(0.2);
      return {
        kind: 'delete',
        domain: m.name,
        detail: `${target}${children ? ' CHILDREN' : ''}`,
        changesProcess: false,
        removes: target,
        keyed: true,
        run: (conn, ref, requestKey) =>
          conn.call('DomainSnapshotDelete', { snapshot: { name: target, domain: ref }, flags: children ? Delete.Children : 0, ...keyOf(requestKey) }),
        after: (b) => {
          const next = clone(b);
          next.snapshots.delete(target);
          return next;
        },
      };
    });
  }
  return random.weighted(choices)();
}
