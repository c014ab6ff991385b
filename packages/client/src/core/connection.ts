// A connection to virtwired: typed calls derived from the protocol table, checked locally before they are sent.
import {
  STREAM_PATH_PREFIX,
  STREAM_TICKET_PATTERN,
  ConnectFlags,
  isAbortableCall,
  methods,
  SUBPROTOCOL,
  domainEventNames,
  type DomainEventParams,
  type DomainRef,
  type DriverCapabilities,
  type MethodName,
  type OpenRpcDocument,
  type ParamsInput,
  type Result,
  type VirError,
} from '@virtwire/protocol';
import { Domain } from './domain.js';
import type { ConnectionClosedError } from './errors.js';
import { resolveConnectionUri } from './connection-uri.js';
import type { ReplyPolling } from './reply-polling.js';
import { RpcChannel } from './rpc-channel.js';
import { LocalChecks } from './local-checks.js';
import { DomainEventSubscription } from './domain-event-subscription.js';
import { EventRouter } from './event-router.js';
import { ConnectionClosedError as ClosedError } from './errors.js';
import { reopen, type ReconnectInfo, type ReconnectOptions, type ReopenTarget } from './reconnect.js';
import type { WebSocketFactory, WebSocketLike } from './web-socket-like.js';
import { ByteStream } from './byte-stream.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Open read-only (`VIR_CONNECT_RO`): every mutating call is refused locally. */
  readOnly?: boolean;
  /** Opens the WebSocket; browsers default to the global `WebSocket`, Node's entry point injects `ws`. */
  webSocket?: WebSocketFactory;
  /** Local daemon socket, for URIs without a host (Node only). */
  defaultSocketPath?: string;
  /** Bearer token, sent as a WebSocket subprotocol entry (browsers cannot set headers). */
  token?: string;
  /** Default per-call timeout in ms; none by default (a slow snapshot is not a failure). */
  callTimeoutMs?: number;
  /** Event-loop polling while replies are awaited, shared by the process's connections; Node's entry point sets it. */
  replyPolling?: ReplyPolling;
  /**
   * Opt-in reconnection after the socket drops: back-off, ConnectOpen again with the same URI and
   * flags, subscriptions registered again, calls with a `requestKey` sent again, other calls failed
   * with ConnectionClosedError, and `onReconnect` listeners told to refetch. `true` for the defaults.
   */
  reconnect?: boolean | ReconnectOptions;
}

/** How one call is made: its timeout, and the signal that cancels it. */
export interface CallOptions {
  /** Fails the call with CallTimeoutError after this long (default: the connection's `callTimeoutMs`). */
  timeoutMs?: number;
  /**
   * Cancels the call, as `fetch` does: the daemon is sent `$/cancelRequest`. A snapshot creation,
   * revert or delete (a domain job that can stop before its commit point) is aborted as
   * `virDomainAbortJob` aborts it, and the call then ends with the daemon's own answer:
   * VIR_ERR_OPERATION_ABORTED when it stopped and changed nothing, its result when it had already
   * committed. Any other call fails at once with CallAbortedError (one still waiting for its
   * domain's job never runs).
   */
  signal?: AbortSignal;
}

/** The prefix of the subprotocol entry that carries a bearer token. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.virtwire.';

/**
 * An open connection (libvirt's `virConnectPtr` through the remote driver). Calls are typed by the
 * protocol's method table and checked with the same rules and driver capabilities as the daemon,
 * so a call the driver cannot honour fails here, identically, without being sent.
 */
export class Connection {
  private constructor(
    private channel: RpcChannel,
    /** The driver URI the daemon opened, e.g. `test:///default`. */
    readonly uri: string,
    /** True when every mutating call is refused. */
    readonly readOnly: boolean,
    private currentCapabilities: DriverCapabilities,
    private readonly callTimeoutMs: number | undefined,
    private readonly target: ReopenTarget,
    private readonly reconnectOptions: ReconnectOptions | undefined,
    /** Opens a second WebSocket to the same daemon with the same credentials, at another path. */
    private readonly openSocketAt: (path: string) => WebSocketLike,
  ) {
    this.checks = new LocalChecks(currentCapabilities, readOnly);
    this.attach(channel);
  }

  /** What the driver advertised at ConnectOpen (at the last one, after a reconnection). */
  get capabilities(): DriverCapabilities {
    return this.currentCapabilities;
  }

  private readonly closeListeners = new Set<(error: ConnectionClosedError) => void>();
  private readonly reconnectListeners = new Set<(info: ReconnectInfo) => void>();
  /** Set while a reconnection runs: keyed calls wait for it. */
  private reconnecting: Promise<boolean> | null = null;
  private closedByApp = false;
  private finalError: ConnectionClosedError | null = null;

  /** Routes a channel's notifications and its close to this connection. */
  private attach(channel: RpcChannel): void {
    channel.onNotification = (method, params) => this.events.receive(method, params);
    channel.onClose((error) => {
      if (channel !== this.channel) return;
      if (this.reconnectOptions && !this.closedByApp) this.reconnecting = this.reconnect(error);
      else this.finish(error);
    });
  }

  /** The connection is gone for good: subscriptions end, `onClose` listeners are told once. */
  private finish(error: ConnectionClosedError): void {
    if (this.finalError) return;
    this.finalError = error;
    this.events.endAll(error);
    for (const listener of this.closeListeners) listener(error);
  }

  /** Opens the connection again; true once subscriptions are back and listeners told. */
  private async reconnect(cause: ConnectionClosedError): Promise<boolean> {
    try {
      const { channel, capabilities, attempt } = await reopen(this.target, this.currentCapabilities, this.reconnectOptions!, () => this.closedByApp);
      if (this.closedByApp) {
        channel.close();
        return false;
      }
      this.channel = channel;
      this.currentCapabilities = capabilities;
      this.checks = new LocalChecks(capabilities, this.readOnly);
      this.attach(channel);
      await this.events.reregister((eventID, domain) => this.channel.call('ConnectDomainEventRegisterAny', { eventID, domain }) as Promise<number>);
      this.reconnecting = null;
      const info: ReconnectInfo = { attempt, reason: cause.str2 ?? cause.message };
      for (const listener of this.reconnectListeners) listener(info);
      return true;
    } catch (error) {
      this.reconnecting = null;
      this.finish(ClosedError.isInstance(error) ? error : cause);
      return false;
    }
  }

  /**
   * Calls `listener` after each reconnection (with `ConnectOptions.reconnect`): subscriptions are
   * registered again, but events of the gap are lost, so refetch what you show.
   */
  onReconnect(listener: (info: ReconnectInfo) => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** The connection's event subscriptions, by callback id. */
  private readonly events = new EventRouter();

  /** The checks calls pass before they are sent, for the capabilities of the last ConnectOpen. */
  private checks: LocalChecks;

  /** Connects to the daemon `uri` names and opens its driver. */
  static async open(uri: string, options: ConnectOptions = {}): Promise<Connection> {
    const target0 = resolveConnectionUri(uri);
    const factory = options.webSocket ?? browserWebSocket;
    let url: string;
    if (target0.transport === 'unix') {
      const path = target0.address ?? options.defaultSocketPath;
      if (!path) throw new TypeError('unix sockets need the Node entry point (@virtwire/client) or a ws:// URI');
      url = `ws+unix://${path}:/`;
    } else {
      url = target0.address!;
    }
    const protocols = [SUBPROTOCOL];
    if (options.token) protocols.push(TOKEN_SUBPROTOCOL_PREFIX + options.token);
    const channel = await RpcChannel.open(factory(url, protocols), options.replyPolling);
    try {
      const opened = (await channel.call('ConnectOpen', {
        uri: target0.driverUri,
        flags: options.readOnly ? ConnectFlags.ReadOnly : 0,
      })) as Result<'ConnectOpen'>;
      const flags = options.readOnly ? ConnectFlags.ReadOnly : 0;
      const target: ReopenTarget = { url, protocols, factory, polling: options.replyPolling, driverUri: target0.driverUri, flags };
      const reconnect = options.reconnect === true ? {} : options.reconnect || undefined;
      const openSocketAt = (path: string) => factory(withPath(url, path), protocols);
      return new Connection(channel, opened.uri, opened.readOnly, opened.capabilities, options.callTimeoutMs, target, reconnect, openSocketAt);
    } catch (error) {
      channel.close();
      throw error;
    }
  }

  /**
   * Opens the byte stream a call returned a ticket for (`DomainOpenConsole`): a second WebSocket
   * to the same daemon, same credentials, at `STREAM_PATH_PREFIX + ticket`.
   */
  openStream(ticket: string): Promise<ByteStream> {
    if (!STREAM_TICKET_PATTERN.test(ticket)) return Promise.reject(new TypeError('not a stream ticket'));
    return ByteStream.open(this.openSocketAt(STREAM_PATH_PREFIX + ticket));
  }

  /** Requests written to the socket so far (local refusals send nothing). */
  get requestsSent(): number {
    return this.channel.sent;
  }

  get closed(): boolean {
    return this.channel.closed;
  }

  /**
   * Calls any protocol method by its wire name. The call is checked first, exactly as the daemon
   * checks it (permission, flag rules, driver support and flag mask, atomic capability); a refusal
   * rejects with the daemon's error and sends nothing.
   */
  call<N extends MethodName>(name: N, params: ParamsInput<N>, options: CallOptions | number = {}): Promise<Result<N>> {
    try {
      const { timeoutMs = this.callTimeoutMs, signal } = typeof options === 'number' ? { timeoutMs: options } : options;
      const checked = this.checks.refusal(name, params);
      const keyed = this.reconnectOptions !== undefined && typeof (params as { requestKey?: unknown } | undefined)?.requestKey === 'string';
      if (checked instanceof Promise || keyed) return this.checkedCall(name, params, checked, keyed, timeoutMs, signal);
      if (checked) return Promise.reject(checked);
      // the common case: checked at once, sent once; the channel's promise is the call's (no async frame around it)
      return this.channel.call(name, params, { timeoutMs, signal, awaitCancelledAnswer: isAbortableCall(methods[name]) }) as Promise<Result<N>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link call} for a call whose check reads its XML first, or that is sent again after a reconnection (a keyed call). */
  private async checkedCall<N extends MethodName>(
    name: N,
    params: ParamsInput<N>,
    checked: VirError | undefined | Promise<VirError | undefined>,
    keyed: boolean,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Result<N>> {
    const refusal = checked instanceof Promise ? await checked : checked;
    if (refusal) throw refusal;
    const sending = { timeoutMs, signal, awaitCancelledAnswer: isAbortableCall(methods[name]) };
    for (;;) {
      if (keyed && this.reconnecting && !(await this.reconnecting)) throw this.finalError ?? new ClosedError('reconnection failed');
      try {
        return (await this.channel.call(name, params, sending)) as Result<N>;
      } catch (error) {
        // a call with a request key is sent again once reconnected: the daemon answers it once
        if (!keyed || !ClosedError.isInstance(error) || this.closedByApp || this.finalError) throw error;
        await Promise.resolve();
        if (!this.reconnecting) throw error;
      }
    }
  }

  /**
   * The error the daemon would give for this call before reaching the driver, if any. A name the
   * protocol table lacks (from untyped code) is refused as the daemon refuses it: method not found.
   */
  async refusal<N extends MethodName>(name: N, params: ParamsInput<N>): Promise<VirError | undefined> {
    return this.checks.refusal(name, params);
  }

  /** `virDomainLookupByName`. */
  async domainLookupByName(name: string): Promise<Domain> {
    return new Domain(this, await this.call('DomainLookupByName', { name }));
  }

  /** `virDomainLookupByUUIDString`. */
  async domainLookupByUUID(uuid: string): Promise<Domain> {
    return new Domain(this, await this.call('DomainLookupByUUID', { uuid }));
  }

  /** `virDomainLookupByID`. */
  async domainLookupByID(id: number): Promise<Domain> {
    return new Domain(this, await this.call('DomainLookupByID', { id }));
  }

  /** `virConnectListAllDomains`. */
  async listAllDomains(flags = 0): Promise<Domain[]> {
    return (await this.call('ConnectListAllDomains', { flags })).map((ref) => new Domain(this, ref));
  }

  /** `virDomainDefineXMLFlags`. */
  async domainDefineXML(xml: string, flags = 0): Promise<Domain> {
    return new Domain(this, await this.call('DomainDefineXML', { xml, flags }));
  }

  /** `virConnectGetVersion`. */
  getVersion(): Promise<number> {
    return this.call('ConnectGetVersion', {});
  }

  /** `virConnectGetHostname`. */
  getHostname(): Promise<string> {
    return this.call('ConnectGetHostname', {});
  }

  /** `virConnectGetURI`. */
  getURI(): Promise<string> {
    return this.call('ConnectGetURI', {});
  }

  /** `virNodeGetInfo`. */
  getNodeInfo(): Promise<Result<'NodeGetInfo'>> {
    return this.call('NodeGetInfo', {});
  }

  /** `virNodeGetSecurityModel`. */
  getSecurityModel(): Promise<Result<'NodeGetSecurityModel'>> {
    return this.call('NodeGetSecurityModel', {});
  }

  /** `virConnectGetCapabilities`: the host capabilities XML. */
  getCapabilitiesXML(): Promise<string> {
    return this.call('ConnectGetCapabilities', {});
  }

  /** OpenRPC's `rpc.discover`: the daemon's protocol as an OpenRPC document (methods, schemas, libvirt names, permissions, flags). */
  discover(): Promise<OpenRpcDocument> {
    return this.call('rpc.discover', {});
  }

  /**
   * `virConnectDomainEventRegisterAny`: subscribes to events of `eventID` (a `DomainEventId`),
   * about `domain` only when given. The subscription is an `EventTarget` (`'event'`, see
   * `DomainEventMessage`) and an async iterator; `close()` deregisters it.
   */
  async domainEventRegisterAny(eventID: number, domain: { ref: DomainRef } | DomainRef | null = null): Promise<DomainEventSubscription> {
    const ref = domain === null ? null : 'ref' in domain ? domain.ref : domain;
    return this.events.register(async () => {
      const callbackID = await this.call('ConnectDomainEventRegisterAny', { eventID, domain: ref });
      return new DomainEventSubscription(callbackID, eventID, ref, (id) => this.domainEventDeregisterAny(id));
    });
  }

  /** `virConnectDomainEventDeregisterAny`: ends the subscription with this callback id. */
  async domainEventDeregisterAny(callbackID: number): Promise<void> {
    this.events.forget(callbackID);
    await this.call('ConnectDomainEventDeregisterAny', { callbackID });
  }

  /**
   * Subscribes `listener` to the events virsh names `name` (`lifecycle`, `reboot`, ... and virtwire's
   * `snapshot`), about `options.domain` only when given; resolves to the subscription (close it to
   * stop).
   */
  async on(
    name: string,
    listener: (event: DomainEventParams) => void,
    options: { domain?: { ref: DomainRef } | DomainRef } = {},
  ): Promise<DomainEventSubscription> {
    const id = domainEventNames.find(([n]) => n === name)?.[1];
    if (id === undefined) throw new TypeError(`unknown event type ${name}`);
    const subscription = await this.domainEventRegisterAny(id, options.domain ?? null);
    subscription.on(listener);
    return subscription;
  }

  /** Calls `listener` once if the connection drops (for good, with `reconnect`: once it gave up) or is closed. */
  onClose(listener: (error: ConnectionClosedError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** `virConnectClose`: closes the driver connection and the socket. */
  async close(): Promise<void> {
    this.closedByApp = true;
    if (this.channel.closed) {
      this.finish(new ClosedError('closed by the client'));
      return;
    }
    this.events.endAll();
    try {
      await this.channel.call('ConnectClose', {}, { timeoutMs: 5_000 });
    } catch {
      // The socket is closed below either way.
    }
    this.channel.close();
  }

  /** `await using conn = await connect(uri)`: {@link close} when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** `url` with its path replaced (`ws+unix:///run/x.sock:/` keeps the socket path before the colon). */
function withPath(url: string, path: string): string {
  if (url.startsWith('ws+unix:')) return url.replace(/:\/[^:]*$/, `:${path}`);
  const parsed = new URL(url);
  parsed.pathname = path;
  parsed.search = '';
  return parsed.toString();
}

const browserWebSocket: WebSocketFactory = (url, protocols) => {
  const Ctor = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => unknown }).WebSocket;
  if (!Ctor) throw new TypeError('no global WebSocket: pass options.webSocket or use the Node entry point');
  return new Ctor(url, protocols) as ReturnType<WebSocketFactory>;
};

/** Opens a connection to `uri` (libvirt's `virConnectOpenAuth`); see {@link Connection}. */
export function connect(uri: string, options?: ConnectOptions): Promise<Connection> {
  return Connection.open(uri, options);
}
