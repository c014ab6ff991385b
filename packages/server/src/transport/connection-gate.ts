// Admission before the upgrade: per-peer and pending budgets that no one peer can fill, short deadlines for silent sockets, and the handshake deadline.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { DaemonLimits } from '../daemon-options.js';
import { KeyedLogLimiter } from '../rpc/rate-limited-log.js';
import { isLoopback, type OpenListener } from './listeners.js';

/** One accepted socket, from accept until it closes. */
export interface AdmittedSocket {
  /**
   * The peer it is counted against: an IP address; `loopback` for every address of this machine
   * (all of 127/8 and ::1 are local, so telling them apart means nothing); `unix:<path>` for
   * everyone on one unix socket (Node cannot read SO_PEERCRED).
   */
  readonly peer: string;
  /** True until the upgrade completes (or the socket closes). */
  pending: boolean;
  readonly settle: () => void;
}

/** IPv4 peers on dual-stack sockets appear as `::ffff:a.b.c.d`; every loopback address is one local peer. */
function peerOf(listener: OpenListener, socket: Socket): string {
  if (listener.spec.kind === 'unix') return `unix:${listener.spec.path}`;
  const address = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return isLoopback(address) ? 'loopback' : address;
}

/** A pending socket of one listener, in accept order. */
interface PendingSocket {
  readonly socket: Socket;
  readonly peer: string;
  readonly admitted: AdmittedSocket;
  /** It has sent bytes (its request is on its way): evicted only after every silent one. */
  spoke: boolean;
}

/**
 * Counts sockets per peer and pending (not yet upgraded) sockets per listener, libvirt's
 * max_anonymous_clients, so that no single peer can lock the others out before authenticating:
 *
 * - a peer may hold at most `maxPendingPerPeer` pending sockets (its newest is refused past it);
 * - when a listener's pending budget is full, the oldest pending socket of the peer holding the
 *   most is closed to make room: a flood of idle sockets evicts itself, while a real client,
 *   whose request arrives with its first bytes, is through in milliseconds;
 * - a socket that sends nothing within `silentSocketTimeoutMs` is closed; one that has not
 *   finished an authenticated upgrade within `handshakeTimeoutMs` too (slowloris);
 * - `maxConnectionsPerAddress` applies to remote IP addresses only: on this machine an address
 *   says nothing about who connects (per-principal caps apply after authentication instead);
 * - the read-write unix socket (mode 0600, so only its owner can connect) has budgets of its own
 *   that nobody else can touch.
 *
 * Sockets over a budget are destroyed at accept, before a single byte is read. Log entries are
 * rate-limited per peer.
 */
export class ConnectionGate {
  private readonly perPeer = new Map<string, number>();
  private readonly admitted = new WeakMap<Duplex, AdmittedSocket>();
  private readonly peerLog: KeyedLogLimiter;

  constructor(
    private readonly limits: DaemonLimits,
    log: Logger,
  ) {
    this.peerLog = new KeyedLogLimiter(log);
  }

  /** The rate-limited logger for what `peer` makes the daemon log before it has a connection. */
  logFor(peer: string): Logger {
    return this.peerLog.for(peer);
  }

  /** Starts counting the sockets `listener` accepts. */
  watch(listener: OpenListener): void {
    const pending: PendingSocket[] = [];
    const pendingPerPeer = new Map<string, number>();
    const remote = listener.spec.kind === 'tcp';
    listener.server.on('connection', (socket: Socket) => {
      const peer = peerOf(listener, socket);
      const log = this.logFor(peer);
      const count = this.perPeer.get(peer) ?? 0;
      if (remote && peer !== 'loopback' && count >= this.limits.maxConnectionsPerAddress) {
        log.warn({ peer, limit: this.limits.maxConnectionsPerAddress }, 'too many connections from one peer; refusing');
        socket.destroy();
        return;
      }
      if (remote && peer !== 'loopback' && (pendingPerPeer.get(peer) ?? 0) >= this.limits.maxPendingPerPeer) {
        log.warn({ peer, limit: this.limits.maxPendingPerPeer }, 'too many unauthenticated connections from one peer; refusing');
        socket.destroy();
        return;
      }
      if (pending.length >= this.limits.maxPendingConnections) {
        const victim = oldestOfBusiestPeer(pending, pendingPerPeer);
        log.info({ listener: listener.address, limit: this.limits.maxPendingConnections }, 'pending connections full; closing the oldest of the busiest peer');
        victim.socket.destroy();
        victim.admitted.settle();
      }
      this.perPeer.set(peer, count + 1);
      pendingPerPeer.set(peer, (pendingPerPeer.get(peer) ?? 0) + 1);
      const deadline = setTimeout(() => {
        log.info({ peer }, 'handshake deadline passed; closing');
        socket.destroy();
      }, this.limits.handshakeTimeoutMs);
      deadline.unref();
      const silence = setTimeout(() => {
        log.info({ peer }, 'socket sent nothing; closing');
        socket.destroy();
      }, this.limits.silentSocketTimeoutMs);
      silence.unref();
      const admitted: AdmittedSocket = {
        peer,
        pending: true,
        settle: () => {
          if (!admitted.pending) return;
          admitted.pending = false;
          clearTimeout(deadline);
          clearTimeout(silence);
          const index = pending.indexOf(entry);
          if (index >= 0) pending.splice(index, 1);
          const left = (pendingPerPeer.get(peer) ?? 1) - 1;
          if (left <= 0) pendingPerPeer.delete(peer);
          else pendingPerPeer.set(peer, left);
        },
      };
      const entry: PendingSocket = { socket, peer, admitted, spoke: false };
      socket.once('data', () => {
        clearTimeout(silence);
        entry.spoke = true;
      });
      pending.push(entry);
      this.admitted.set(socket, admitted);
      socket.once('close', () => {
        admitted.settle();
        const left = (this.perPeer.get(peer) ?? 1) - 1;
        if (left <= 0) this.perPeer.delete(peer);
        else this.perPeer.set(peer, left);
      });
    });
  }

  /**
   * The admission record of the socket an upgrade arrived on. A TLS socket wraps the accepted TCP
   * socket, which Node keeps as `_parent`.
   */
  lookup(socket: Duplex): AdmittedSocket | undefined {
    return this.admitted.get(socket) ?? this.admitted.get((socket as { _parent?: Duplex })._parent as Duplex);
  }

  /** Sockets currently counted against `peer` (for tests and diagnostics). */
  connectionsFrom(peer: string): number {
    return this.perPeer.get(peer) ?? 0;
  }
}

/** The oldest pending socket of the peer that holds the most, a silent one before one that has spoken. */
function oldestOfBusiestPeer(pending: readonly PendingSocket[], perPeer: ReadonlyMap<string, number>): PendingSocket {
  let busiest = pending[0]!.peer;
  for (const [peer, count] of perPeer) if (count > (perPeer.get(busiest) ?? 0)) busiest = peer;
  const ofBusiest = pending.filter((p) => p.peer === busiest);
  return ofBusiest.find((p) => !p.spoke) ?? ofBusiest[0] ?? pending[0]!;
}
