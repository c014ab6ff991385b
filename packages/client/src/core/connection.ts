// A connection to virtwired: typed calls derived from the protocol table, checked locally before they are sent.
import {
  STREAM_PATH_PREFIX,
  STREAM_TICKET_PATTERN,
  atomicDiskLimit,
  checkAtomicRequest,
  checkDriverCall,
  checkFlagPermissions,
  checkMethodPermission,
  ConnectFlags,
  DomainSnapshotCreateFlags,
  isMethodName,
  JsonRpcErrorCode,
  jsonRpcErrorMessage,
  methods,
  SUBPROTOCOL,
  type DriverCapabilities,
  type MethodSpec,
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
import { RpcChannel, toClientError } from './rpc-channel.js';
import { describeSnapshotRequest } from './snapshot-request.js';
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
    private readonly channel: RpcChannel,
    /** The driver URI the daemon opened, e.g. `test:///default`. */
    readonly uri: string,
    /** True when every mutating call is refused. */
    readonly readOnly: boolean,
    /** What the driver advertised at ConnectOpen. */
    readonly capabilities: DriverCapabilities,
    private readonly callTimeoutMs: number | undefined,
    /** Opens a second WebSocket to the same daemon with the same credentials, at another path. */
    private readonly openSocketAt: (path: string) => WebSocketLike,
  ) {
    this.atomicAlwaysHonoured = everyAtomicKindUnlimited(capabilities);
  }

  /** True when the driver makes every kind of snapshot atomically for any number of disks: no ATOMIC check needed. */
  private readonly atomicAlwaysHonoured: boolean;

  /** Connects to the daemon `uri` names and opens its driver. */
  static async open(uri: string, options: ConnectOptions = {}): Promise<Connection> {
    const target = resolveConnectionUri(uri);
    const factory = options.webSocket ?? browserWebSocket;
    let url: string;
    if (target.transport === 'unix') {
      const path = target.address ?? options.defaultSocketPath;
      if (!path) throw new TypeError('unix sockets need the Node entry point (@virtwire/client) or a ws:// URI');
      url = `ws+unix://${path}:/`;
    } else {
      url = target.address!;
    }
    const protocols = [SUBPROTOCOL];
    if (options.token) protocols.push(TOKEN_SUBPROTOCOL_PREFIX + options.token);
    const channel = await RpcChannel.open(factory(url, protocols), options.replyPolling);
    try {
      const opened = (await channel.call('ConnectOpen', {
        uri: target.driverUri,
        flags: options.readOnly ? ConnectFlags.ReadOnly : 0,
      })) as Result<'ConnectOpen'>;
      const openSocketAt = (path: string) => factory(withPath(url, path), protocols);
      return new Connection(channel, opened.uri, opened.readOnly, opened.capabilities, options.callTimeoutMs, openSocketAt);
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
  async call<N extends MethodName>(name: N, params: ParamsInput<N>, timeoutMs = this.callTimeoutMs): Promise<Result<N>> {
    const refusal = this.immediateRefusal(name, params) ?? (this.needsAtomicCheck(name, params) ? await this.atomicRefusal(params) : undefined);
    if (refusal) throw refusal;
    return (await this.channel.call(name, params, timeoutMs)) as Result<N>;
  }

  /**
   * The error the daemon would give for this call before reaching the driver, if any. A name the
   * protocol table lacks (from untyped code) is refused as the daemon refuses it: method not found.
   */
  async refusal<N extends MethodName>(name: N, params: ParamsInput<N>): Promise<VirError | undefined> {
    return this.immediateRefusal(name, params) ?? (this.needsAtomicCheck(name, params) ? await this.atomicRefusal(params) : undefined);
  }

  /** The checks that need nothing but the method table and the capabilities: name, permission, flag rules, driver support and mask. */
  private immediateRefusal(name: MethodName, params: unknown): VirError | undefined {
    if (!isMethodName(name)) return toClientError({ code: JsonRpcErrorCode.MethodNotFound, message: jsonRpcErrorMessage[JsonRpcErrorCode.MethodNotFound] });
    const definition: MethodSpec = methods[name];
    const flags = (params as { flags?: number } | undefined)?.flags ?? 0;
    return (
      checkMethodPermission(definition, this.readOnly) ??
      checkFlagPermissions(definition, flags, this.readOnly) ??
      checkDriverCall(name, definition, flags, this.capabilities)
    );
  }

  /** True for an ATOMIC snapshot create on a driver with a finite atomic disk limit for some kind: its XML must be read. */
  private needsAtomicCheck(name: MethodName, params: unknown): boolean {
    const flags = (params as { flags?: number } | undefined)?.flags ?? 0;
    return name === 'DomainSnapshotCreateXML' && !this.atomicAlwaysHonoured && (flags & DomainSnapshotCreateFlags.Atomic) !== 0;
  }

  /** libvirt's refusal of an atomic snapshot of more disks than the driver changes as a group (reads the XML). */
  private async atomicRefusal(params: unknown): Promise<VirError | undefined> {
    const { domain, xml, flags = 0 } = params as ParamsInput<'DomainSnapshotCreateXML'>;
    const request = await describeSnapshotRequest(domain, xml, flags);
    return request ? checkAtomicRequest(this.capabilities, request) : undefined;
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

  /** Calls `listener` once if the connection drops or is closed. */
  onClose(listener: (error: ConnectionClosedError) => void): () => void {
    return this.channel.onClose(listener);
  }

  /** `virConnectClose`: closes the driver connection and the socket. */
  async close(): Promise<void> {
    if (this.channel.closed) return;
    try {
      await this.channel.call('ConnectClose', {}, 5_000);
    } catch {
      // The socket is closed below either way.
    }
    this.channel.close();
  }
}

/** True when no combination of location, scope and state has a finite atomic disk limit. */
function everyAtomicKindUnlimited(capabilities: DriverCapabilities): boolean {
  for (const location of ['internal', 'external'] as const) {
    for (const scope of ['disk-only', 'full'] as const) {
      for (const state of ['live', 'offline'] as const) {
        if (atomicDiskLimit(capabilities, { location, scope, state }) !== null) return false;
      }
    }
  }
  return true;
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
