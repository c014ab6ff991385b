// Admission before the upgrade: per-peer and pending-connection budgets, and the handshake deadline.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { DaemonLimits } from '../daemon-options.js';
import type { OpenListener } from './listeners.js';

/** One accepted socket, from accept until it closes. */
export interface AdmittedSocket {
  /** The peer it is counted against: an IP address, or `unix:<path>` for everyone on one unix socket. */
  readonly peer: string;
  /** True until the upgrade completes (or the socket closes). */
  pending: boolean;
  readonly settle: () => void;
}

/** IPv4 peers on dual-stack sockets appear as `::ffff:a.b.c.d`; count them as `a.b.c.d`. */
function peerOf(listener: OpenListener, socket: Socket): string {
  if (listener.spec.kind === 'unix') return `unix:${listener.spec.path}`;
  return (socket.remoteAddress ?? 'unknown').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/**
 * Counts sockets per peer and pending sockets per listener (libvirt's max_anonymous_clients), and
 * destroys a socket that has not completed its upgrade within the handshake deadline. Sockets over
 * a budget are destroyed at accept, before a single byte is read.
 */
export class ConnectionGate {
  private readonly perPeer = new Map<string, number>();
  private readonly admitted = new WeakMap<Duplex, AdmittedSocket>();

  constructor(
    private readonly limits: DaemonLimits,
    private readonly log: Logger,
  ) {}

  /** Starts counting the sockets `listener` accepts. */
  watch(listener: OpenListener): void {
    let pending = 0;
    listener.server.on('connection', (socket: Socket) => {
      const peer = peerOf(listener, socket);
      const count = this.perPeer.get(peer) ?? 0;
      if (count >= this.limits.maxConnectionsPerAddress) {
        this.log.warn({ peer, limit: this.limits.maxConnectionsPerAddress }, 'too many connections from one peer; refusing');
        socket.destroy();
        return;
      }
      if (pending >= this.limits.maxPendingConnections) {
        this.log.warn({ listener: listener.address, limit: this.limits.maxPendingConnections }, 'too many unauthenticated connections; refusing');
        socket.destroy();
        return;
      }
      pending++;
      this.perPeer.set(peer, count + 1);
      const timer = setTimeout(() => {
        this.log.info({ peer }, 'handshake deadline passed; closing');
        socket.destroy();
      }, this.limits.handshakeTimeoutMs);
      timer.unref();
      const admitted: AdmittedSocket = {
        peer,
        pending: true,
        settle: () => {
          if (!admitted.pending) return;
          admitted.pending = false;
          pending--;
          clearTimeout(timer);
        },
      };
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
