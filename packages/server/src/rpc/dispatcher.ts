// Routes each call through the same pipeline: permission, params, flag rules, driver mask, handler.
import {
  CANCEL_REQUEST_NOTIFICATION,
  checkDriverCall,
  driverFunctionName,
  unsupportedFlagsError,
  checkFlagPermissions,
  checkMethodPermission,
  DEFAULT_DRIVER_URI,
  DomainEventId,
  DomainGetJobStatsFlags,
  type DomainRef,
  ConnectFlags,
  ErrorDomain,
  ErrorNumber,
  isMethodName,
  JsonRpcErrorCode,
  methods,
  VirError,
  type DaemonMethodName,
  type MethodSpec,
  type MethodName,
  type Params,
  type Result,
} from '@virtwire/protocol';
import { openRpcDocument } from '@virtwire/protocol/schemas';
import { DomainDefinition } from '@virtwire/protocol/xml';
import { createJSONRPCErrorResponse, type JSONRPCRequest, type JSONRPCResponse } from 'json-rpc-2.0';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseConnectionUri } from '../drivers/connection-uri.js';
import { DEFAULT_LIMITS } from '../daemon-options.js';
import type { CallContext, DriverConnection, DurableCallKey, DriverLimits, HypervisorDriver } from '../drivers/driver.js';
import { DomainJobs } from '../jobs/domain-jobs.js';
import { domainJobInfo } from '../jobs/job-info.js';
import { completedJobFields, domainJobStats, jobOperation, SNAPSHOT_JOB_OPERATIONS } from '../jobs/job-stats.js';
import type { CompletedJob } from '../jobs/domain-jobs.js';
import { CancellableCalls } from './cancellable-calls.js';
import { ParamsParser } from './params-parser.js';
import { RequestLog } from './request-log.js';
import type { Session } from './session.js';

/** A request's reply (null for a notification), at once or as a promise. */
export type Answer = JSONRPCResponse | null | Promise<JSONRPCResponse | null>;

/** True for what `await` would wait for: a promise or any other thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

type DaemonHandlers = { [N in DaemonMethodName]: (params: Params<N>, session: Session) => Promise<Result<N>> };

const rpcError = (detail: string) => VirError.report(ErrorNumber.InternalError, ErrorDomain.Rpc, detail);

/** The UUID of the domain a call names (`params.domain` or `params.snapshot.domain`), lower-cased. */
function domainOf(params: { domain?: { uuid: string }; snapshot?: { domain: { uuid: string } } }): string | undefined {
  return (params.domain ?? params.snapshot?.domain)?.uuid.toLowerCase();
}

/**
 * The existing domain a call that locks its `defined-domain` (DomainDefineXML) would redefine (by
 * UUID, else by name), so that the redefinition waits for that domain's running job; undefined for a
 * new domain or unparsable XML (the handler then reports the error).
 */
async function definedDomainOf(spec: MethodSpec, params: unknown, connection: DriverConnection, call: CallContext): Promise<string | undefined> {
  if (spec.locks !== 'defined-domain') return undefined;
  let definition: DomainDefinition;
  try {
    definition = DomainDefinition.parse((params as { xml: string }).xml, { generateUuid: () => '' });
  } catch {
    return undefined;
  }
  if (definition.uuid !== '') return definition.uuid;
  try {
    const existing = await connection.methods.DomainLookupByName?.handle({ name: definition.name }, call);
    return existing?.uuid.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The daemon's call router: every protocol method, answered through one pipeline. */
export class Dispatcher {
  private readonly drivers = new Map<string, HypervisorDriver>();
  /** Each open driver connection's job scope, as a key prefix: `s1`, `s2`... */
  private readonly jobScopes = new WeakMap<DriverConnection, string>();
  private readonly scopeIds = new WeakMap<object, string>();
  private nextScope = 1;
  /** Outcomes of calls made with a request key. */
  private readonly requests = new RequestLog();
  /** Each connection's running calls, for `$/cancelRequest`. */
  private readonly cancellable = new WeakMap<Session, CancellableCalls>();
  /** Every method's params schema, with a shortcut for empty params. */
  private readonly params = new ParamsParser();

  constructor(
    drivers: HypervisorDriver[],
    /** The per-domain job table: write calls that name a domain run as that domain's one job. */
    readonly jobs: DomainJobs = new DomainJobs(),
    /** The bounds drivers enforce themselves. */
    private readonly limits: DriverLimits = { maxSnapshotDisks: DEFAULT_LIMITS.maxSnapshotDisks },
  ) {
    for (const driver of drivers) this.drivers.set(driver.scheme, driver);
  }

  /**
   * Answers one request that passed the envelope checks: its reply, or null for a notification
   * (JSON-RPC 2.0 section 4.1). An unknown method is -32601; internal failures are logged and
   * answered as -32603 with a correlation id. Answered at once when the call completes
   * synchronously (a trivial read such as ConnectGetVersion: no promise, no microtask hops), else
   * as a promise. Never throws.
   */
  answer(request: JSONRPCRequest, session: Session): Answer {
    const { id, method } = request;
    if (method === CANCEL_REQUEST_NOTIFICATION && id === undefined) {
      this.cancellable.get(session)?.cancel(request.params);
      return null;
    }
    if (!isMethodName(method)) return id === undefined ? null : createJSONRPCErrorResponse(id, JsonRpcErrorCode.MethodNotFound, 'Method not found');
    // only a write call can take a domain job, the one thing a cancel stops: reads pay nothing for it
    const cancellable = id !== undefined && id !== null && methods[method].permission === 'write';
    const running = cancellable ? this.cancellableCalls(session).begin(id) : undefined;
    let result: unknown;
    try {
      result = this.call(method, request.params, session, running?.signal);
    } catch (error) {
      running?.end();
      return this.failure(id, method, error, session);
    }
    if (!isThenable(result)) {
      running?.end();
      return id === undefined ? null : { jsonrpc: '2.0', id, result: result ?? null };
    }
    return Promise.resolve(result).then(
      (value) => {
        running?.end();
        return id === undefined ? null : { jsonrpc: '2.0', id, result: value ?? null };
      },
      (error: unknown) => {
        running?.end();
        return this.failure(id, method, error, session);
      },
    );
  }

  /** The reply to a call that failed: libvirt's error, or -32603 (logged) for anything unexpected; nothing for a notification. */
  private failure(id: JSONRPCRequest['id'], method: string, error: unknown, session: Session): JSONRPCResponse | null {
    const mapped = toVirError(error);
    if (!VirError.is(error)) session.log.error({ err: error, method, correlationId: mapped.correlationId }, 'internal error');
    if (id === undefined) return null;
    const wire = mapped.toJsonRpc();
    return createJSONRPCErrorResponse(id, wire.code, wire.message, wire.data);
  }

  private cancellableCalls(session: Session): CancellableCalls {
    let calls = this.cancellable.get(session);
    if (!calls) this.cancellable.set(session, (calls = new CancellableCalls()));
    return calls;
  }

  /**
   * Runs one call through the pipeline: the handler's result (at once when it answers
   * synchronously), or a promise of it. Every failure is a VirError with libvirt's number and text;
   * a refusal is thrown. `signal` is the call's cancellation, which its domain job (if it runs one)
   * listens to.
   */
  private call(name: MethodName, rawParams: unknown, session: Session, signal: AbortSignal | undefined): unknown {
    const definition: MethodSpec = methods[name];
    const denied = checkMethodPermission(definition, session.readOnly);
    if (denied) throw denied;
    if (definition.permission !== 'connect' && session.driver === null) throw rpcError('connection not open');

    const params = this.params.parse(name, rawParams) as { flags?: number; requestKey?: string };
    const flags = params.flags ?? 0;
    const flagDenied = checkFlagPermissions(definition, flags, session.readOnly);
    if (flagDenied) throw flagDenied;

    if (definition.handledBy === 'daemon') return this.daemonHandlers[name as DaemonMethodName](params as never, session);
    const driver = session.driver!;
    const refused = checkDriverCall(name, definition, flags, driver.capabilities);
    if (refused) throw refused;
    const handler = driver.methods[name as keyof typeof driver.methods]?.handle as ((params: unknown, call: CallContext) => unknown) | undefined;
    if (!handler) throw VirError.report(ErrorNumber.NoSupport, definition.errorDomain, definition.libvirt);
    // a read without a request key takes no job and keeps no outcome: the handler's answer is the call's
    if (definition.permission !== 'write' && params.requestKey === undefined) return handler(params, this.callContext(session));
    return this.jobCall(name, definition, params, session, driver, handler, signal);
  }

  /** The rest of a call that may run as a domain's job or under a request key. */
  private async jobCall(
    name: MethodName,
    definition: MethodSpec,
    params: { requestKey?: string },
    session: Session,
    driver: DriverConnection,
    handler: (params: unknown, call: CallContext) => unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const domain =
      definition.permission !== 'write'
        ? undefined
        : (domainOf(params as Parameters<typeof domainOf>[0]) ?? (await definedDomainOf(definition, params, driver, this.callContext(session))));
    const requestKey = params.requestKey;
    if (requestKey === undefined) return this.runDriverCall(name, params, session, driver, handler, domain, undefined, signal);
    // the same key from the same principal on the same host: one run, one outcome
    const scope = `${session.principal ?? session.id}\u0000${this.jobScopes.get(driver)}`;
    const { requestKey: _key, ...call } = params as Record<string, unknown>;
    // a driver that keeps outcomes across restarts gets them under an id stable across restarts
    const fingerprint = JSON.stringify([name, call]);
    const durable =
      driver.requestOutcomes && session.principal !== undefined ? { store: driver.requestOutcomes, id: `${session.principal}\u0000${requestKey}` } : undefined;
    const request = durable && { id: durable.id, fingerprint };
    return this.requests.run(
      scope,
      requestKey,
      fingerprint,
      () => this.runDriverCall(name, params, session, driver, handler, domain, request, signal),
      durable,
    );
  }

  /** A driver method's run: as the domain's job when it changes one, then its JOB_COMPLETED event. */
  private async runDriverCall(
    name: MethodName,
    params: unknown,
    session: Session,
    driver: DriverConnection,
    handler: (params: unknown, call: CallContext) => unknown,
    domain: string | undefined,
    request?: DurableCallKey,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const call = { ...this.callContext(session), ...(request ? { request } : {}) };
    if (domain === undefined) return handler(params, call);
    let completed: CompletedJob | undefined;
    const result = await this.jobs.run(
      this.jobKey(driver, domain),
      name,
      (job) => handler(params, { ...call, job }),
      (job) => (completed = job),
      signal,
    );
    if (driver.jobCompletedEvents && completed && SNAPSHOT_JOB_OPERATIONS.has(jobOperation(name))) await this.announceJob(driver, domain, completed, session);
    return result;
  }

  /** Emits `VIR_DOMAIN_EVENT_ID_JOB_COMPLETED` with the job's statistics, for the domain as it now is (gone: nothing). */
  private async announceJob(connection: DriverConnection, uuid: string, job: CompletedJob, session: Session): Promise<void> {
    if (!connection.events || !job.success) return;
    let ref: DomainRef | undefined;
    try {
      ref = await connection.methods.DomainLookupByUUID?.handle({ uuid }, this.callContext(session));
    } catch {
      return;
    }
    if (ref) connection.events.emit(ref, { eventID: DomainEventId.JobCompleted, params: completedJobFields(job) });
  }

  private callContext(session: Session): CallContext {
    return { connectionId: session.id, readOnly: session.readOnly, log: session.log, limits: this.limits };
  }

  /** The job table's key for a domain of a driver connection: its scope, then the UUID. */
  private jobKey(connection: DriverConnection, uuid: string): string {
    return `${this.jobScopes.get(connection)}/${uuid}`;
  }

  /** Remembers which job scope a newly opened connection belongs to (its host, or else its driver). */
  private assignJobScope(connection: DriverConnection, driver: HypervisorDriver): void {
    const scope = connection.jobScope ?? driver;
    let id = this.scopeIds.get(scope);
    if (id === undefined) {
      id = `s${this.nextScope++}`;
      this.scopeIds.set(scope, id);
    }
    this.jobScopes.set(connection, id);
  }

  private readonly daemonHandlers: DaemonHandlers = {
    ConnectOpen: async ({ uri, flags }, session) => {
      // One driver connection per socket: a second ConnectOpen, even one racing the first in a batch, is refused.
      if (session.driver || session.opening) throw rpcError('connection already open');
      session.opening = true;
      try {
        const text = uri ?? DEFAULT_DRIVER_URI;
        const parsed = parseConnectionUri(text);
        const driver = this.drivers.get(parsed.scheme);
        if (!driver) throw VirError.report(ErrorNumber.NoConnect, ErrorDomain.None, text);
        const readOnly = session.readOnly || (flags & ConnectFlags.ReadOnly) !== 0;
        const connection = await driver.open(parsed, readOnly);
        if (session.closed) {
          await connection.close();
          throw rpcError('connection closed while opening');
        }
        session.driver = connection;
        session.readOnly = readOnly;
        this.assignJobScope(connection, driver);
        return { uri: connection.uri, readOnly, capabilities: connection.capabilities };
      } finally {
        session.opening = false;
      }
    },
    ConnectClose: async (_params, session) => {
      session.events?.close();
      const driver = session.driver;
      session.driver = null;
      await driver?.close();
      return null;
    },
    ConnectGetURI: async (_params, session) => session.driver!.uri,
    ConnectGetHostname: async () => hostname(),
    'rpc.discover': async () => discoveryDocument(),
    DomainAbortJob: async ({ domain }, session) => {
      const connection = session.driver!;
      await connection.methods.DomainLookupByUUID?.handle({ uuid: domain.uuid }, this.callContext(session));
      const running = this.jobs.current(this.jobKey(connection, domain.uuid.toLowerCase()));
      if (!running?.control) throw VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Domain, 'no job is active on the domain');
      await running.control.requestAbort();
      return null;
    },
    DomainGetJobStats: async ({ domain, flags }, session) => {
      const connection = session.driver!;
      // virCheckFlags in the driver's function, e.g. qemuDomainGetJobStats
      const unknown = flags & ~(DomainGetJobStatsFlags.Completed | DomainGetJobStatsFlags.KeepCompleted);
      if (unknown)
        throw unsupportedFlagsError(unknown, driverFunctionName(methods.DomainGetJobStats, connection.capabilities), connection.capabilities.errorDomain);
      await connection.methods.DomainLookupByUUID?.handle({ uuid: domain.uuid }, this.callContext(session));
      const key = this.jobKey(connection, domain.uuid.toLowerCase());
      const completed = (flags & DomainGetJobStatsFlags.Completed) !== 0;
      const running = this.jobs.current(key);
      const now = performance.now();
      // data processed/remaining/total only while the job's current step knows them (a QEMU job's progress)
      const progress = completed ? undefined : await running?.control?.progress();
      const stats = domainJobStats(running, this.jobs.lastCompleted(key), completed, now, progress);
      // as qemuDomainGetJobStats: the completed job's statistics are read once unless KEEP_COMPLETED
      if (completed && !(flags & DomainGetJobStatsFlags.KeepCompleted)) this.jobs.forgetCompleted(key);
      return stats;
    },
    ConnectDomainEventRegisterAny: async ({ eventID, domain }, session) => {
      const connection = session.driver!;
      if (!session.events) throw rpcError('this connection cannot receive events');
      if (!connection.events) throw VirError.report(ErrorNumber.NoSupport, ErrorDomain.Domain, 'virConnectDomainEventRegisterAny');
      // A domain filter names an existing domain (libvirt's remote driver sends a resolved virDomainPtr).
      if (domain !== null) await connection.methods.DomainLookupByUUID?.handle({ uuid: domain.uuid }, this.callContext(session));
      return session.events.register(connection.events, eventID, domain);
    },
    ConnectDomainEventDeregisterAny: async ({ callbackID }, session) => {
      if (!session.events) throw rpcError('this connection cannot receive events');
      session.events.deregister(callbackID);
      return null;
    },
    DomainGetJobInfo: async ({ domain }, session) => {
      const connection = session.driver!;
      await connection.methods.DomainLookupByUUID?.handle({ uuid: domain.uuid }, this.callContext(session));
      return domainJobInfo(this.jobs.current(this.jobKey(connection, domain.uuid.toLowerCase())));
    },
  };
}

/** The OpenRPC document, generated on first use and shared by every call (it is the same for every caller). */
let discovery: Result<'rpc.discover'> | undefined;
function discoveryDocument(): Result<'rpc.discover'> {
  discovery ??= openRpcDocument();
  return discovery;
}

/** Maps anything thrown to a VirError; unexpected exceptions become -32603 with a correlation id, logged by the caller. */
export function toVirError(error: unknown): VirError {
  if (VirError.is(error)) return error;
  return VirError.protocol(JsonRpcErrorCode.InternalError, undefined, { correlationId: randomUUID() });
}
