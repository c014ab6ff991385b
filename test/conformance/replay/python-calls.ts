// python-libvirt's calls as the recorder made them (record/libvirt-calls.py), mapped to the wire methods through the SDK, with python's shapes of results and errors.
import { VirError, type Connection, type DomainRef, type MethodName, type ParamsInput, type SnapshotRef } from '@virtwire/client';
import type { Outcome, RawStep } from './corpus.js';

const int = (b: boolean) => (b ? 1 : 0);
/** JSON with object keys sorted, as the recorder writes them. */
export const stable = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
const names = (list: { names: string[] }) => [...list.names].sort();
const refOf = (ref: DomainRef) => ({ id: ref.id, name: ref.name, uuid: ref.uuid });

/** One libvirt C function, called the way python-libvirt calls it, with its result in python's shape. */
export type Op = (conn: Connection, target: string, args: unknown[]) => Promise<unknown>;

const call = <N extends MethodName>(conn: Connection, name: N, params: ParamsInput<N>) => conn.call(name, params);
const domain = (conn: Connection, name: string) => call(conn, 'DomainLookupByName', { name });
async function snapshot(conn: Connection, target: string): Promise<SnapshotRef> {
  const [domainName = '', name = ''] = target.split('/');
  return call(conn, 'DomainSnapshotLookupByName', { domain: await domain(conn, domainName), name, flags: 0 });
}
const flags = (args: unknown[], at = 0) => args[at] as number;

/** python-libvirt's calls (libvirt-calls.py), mapped to the wire methods; functions the protocol lacks are not here. */
export const OPS: Readonly<Record<string, Op>> = {
  virConnectGetURI: (conn) => call(conn, 'ConnectGetURI', {}),
  virConnectGetHostname: (conn) => call(conn, 'ConnectGetHostname', {}),
  virConnectGetVersion: (conn) => call(conn, 'ConnectGetVersion', {}),
  virConnectGetCapabilities: (conn) => call(conn, 'ConnectGetCapabilities', {}),
  virConnectListAllDomains: async (conn, _t, args) => (await call(conn, 'ConnectListAllDomains', { flags: flags(args) })).map((d) => d.name).sort(),
  virDomainLookupByName: async (conn, _t, args) => refOf(await call(conn, 'DomainLookupByName', { name: args[0] as string })),
  virDomainLookupByUUIDString: async (conn, _t, args) => refOf(await call(conn, 'DomainLookupByUUID', { uuid: args[0] as string })),
  virDomainLookupByID: async (conn, _t, args) => refOf(await call(conn, 'DomainLookupByID', { id: args[0] as number })),
  virDomainDefineXMLFlags: async (conn, _t, args) => refOf(await call(conn, 'DomainDefineXML', { xml: args[0] as string, flags: flags(args, 1) })),
  virDomainCreateWithFlags: async (conn, t, args) => (await call(conn, 'DomainCreate', { domain: await domain(conn, t), flags: flags(args) }), 0),
  virDomainDestroyFlags: async (conn, t, args) => (await call(conn, 'DomainDestroy', { domain: await domain(conn, t), flags: flags(args) }), 0),
  virDomainShutdownFlags: async (conn, t, args) => (await call(conn, 'DomainShutdown', { domain: await domain(conn, t), flags: flags(args) }), 0),
  virDomainSuspend: async (conn, t) => (await call(conn, 'DomainSuspend', { domain: await domain(conn, t) }), 0),
  virDomainResume: async (conn, t) => (await call(conn, 'DomainResume', { domain: await domain(conn, t) }), 0),
  virDomainUndefineFlags: async (conn, t, args) => (await call(conn, 'DomainUndefine', { domain: await domain(conn, t), flags: flags(args) }), 0),
  virDomainGetXMLDesc: async (conn, t, args) => call(conn, 'DomainGetXMLDesc', { domain: await domain(conn, t), flags: flags(args) }),
  virDomainGetInfo: async (conn, t) => {
    const info = await call(conn, 'DomainGetInfo', { domain: await domain(conn, t) });
    return [info.state, info.maxMem, info.memory, info.nrVirtCpu, '@CPUTIME@'];
  },
  virDomainGetState: async (conn, t, args) => {
    const state = await call(conn, 'DomainGetState', { domain: await domain(conn, t), flags: flags(args) });
    return [state.state, state.reason];
  },
  virDomainIsActive: async (conn, t) => int(await call(conn, 'DomainIsActive', { domain: await domain(conn, t) })),
  virDomainIsPersistent: async (conn, t) => int(await call(conn, 'DomainIsPersistent', { domain: await domain(conn, t) })),
  virDomainSnapshotCreateXML: async (conn, t, args) =>
    (await call(conn, 'DomainSnapshotCreateXML', { domain: await domain(conn, t), xml: args[0] as string, flags: flags(args, 1) })).name,
  virDomainSnapshotLookupByName: async (conn, t, args) =>
    (await call(conn, 'DomainSnapshotLookupByName', { domain: await domain(conn, t), name: args[0] as string, flags: flags(args, 1) })).name,
  virDomainSnapshotCurrent: async (conn, t, args) => (await call(conn, 'DomainSnapshotCurrent', { domain: await domain(conn, t), flags: flags(args) })).name,
  virDomainHasCurrentSnapshot: async (conn, t, args) =>
    int(await call(conn, 'DomainHasCurrentSnapshot', { domain: await domain(conn, t), flags: flags(args) })),
  virDomainListAllSnapshots: async (conn, t, args) => names(await call(conn, 'DomainListAllSnapshots', { domain: await domain(conn, t), flags: flags(args) })),
  virDomainSnapshotNum: async (conn, t, args) => call(conn, 'DomainSnapshotNum', { domain: await domain(conn, t), flags: flags(args) }),
  virDomainSnapshotGetXMLDesc: async (conn, t, args) => call(conn, 'DomainSnapshotGetXMLDesc', { snapshot: await snapshot(conn, t), flags: flags(args) }),
  virDomainSnapshotGetParent: async (conn, t, args) =>
    (await call(conn, 'DomainSnapshotGetParent', { snapshot: await snapshot(conn, t), flags: flags(args) })).name,
  virDomainSnapshotIsCurrent: async (conn, t, args) =>
    int(await call(conn, 'DomainSnapshotIsCurrent', { snapshot: await snapshot(conn, t), flags: flags(args) })),
  virDomainSnapshotHasMetadata: async (conn, t, args) =>
    int(await call(conn, 'DomainSnapshotHasMetadata', { snapshot: await snapshot(conn, t), flags: flags(args) })),
  virDomainSnapshotListAllChildren: async (conn, t, args) =>
    names(await call(conn, 'DomainSnapshotListAllChildren', { snapshot: await snapshot(conn, t), flags: flags(args) })),
  virDomainSnapshotNumChildren: async (conn, t, args) => call(conn, 'DomainSnapshotNumChildren', { snapshot: await snapshot(conn, t), flags: flags(args) }),
  virDomainRevertToSnapshot: async (conn, t, args) => (
    await call(conn, 'DomainRevertToSnapshot', { snapshot: await snapshot(conn, t), flags: flags(args) }),
    0
  ),
  virDomainSnapshotDelete: async (conn, t, args) => (await call(conn, 'DomainSnapshotDelete', { snapshot: await snapshot(conn, t), flags: flags(args) }), 0),
  virDomainReboot: async (conn, t, args) => (await call(conn, 'DomainReboot', { domain: await domain(conn, t), flags: flags(args) }), 0),
  virDomainReset: async (conn, t, args) => (await call(conn, 'DomainReset', { domain: await domain(conn, t), flags: flags(args) }), 0),
};

/** The error fields python-libvirt shows, from a VirError (anything else is a test failure). */
export function errorRecord(error: unknown): Outcome {
  if (!VirError.is(error)) throw error;
  const e = error as VirError;
  return {
    error: { code: e.code, domain: e.domain, level: e.level, message: e.message, str1: e.str1, str2: e.str2, str3: e.str3, int1: e.int1, int2: e.int2 },
  };
}

/**
 * Runs `steps` in order, each as python-libvirt's call through the SDK, with its result or error.
 * The first error ends them (as the recorder's `calls`) unless `throughErrors` (its `calls-through`).
 */
export async function replaySteps(conn: Connection, steps: readonly RawStep[], { throughErrors = false } = {}): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const [op, target, ...args] of steps) {
    const run = OPS[op];
    if (!run) throw new Error(`no replay for ${op}`);
    try {
      outcomes.push({ result: await run(conn, target, args) });
    } catch (error) {
      outcomes.push(errorRecord(error));
      if (!throughErrors) break;
    }
  }
  return outcomes;
}
