// virDomainOpenGraphics for the qemu driver: the guest's VNC server (unix socket or loopback port) as a byte stream.
import { DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childElement, childElements } from '@virtwire/protocol/xml';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { QemuDomain } from './qemu-domain.js';

const failed = (detail: string) => VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Qemu, detail);

/**
 * `virDomainOpenGraphics` for a VNC `<graphics>` (number `idx`): checks the call and returns the
 * opener connecting to QEMU's VNC server (its unix socket, or the loopback port query-vnc reports).
 */
export function graphicsOpener(domain: QemuDomain, idx: number): () => Promise<Duplex> {
  if (!domain.guest || domain.state === DomainState.Shutoff) throw VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Qemu, 'domain is not running');
  const devices = domain.live ? childElement(domain.live.tree, 'devices') : undefined;
  const graphics = devices ? childElements(devices, 'graphics')[idx] : undefined;
  if (!graphics) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `No graphics backend with index ${idx}`);
  const listen = childElement(graphics, 'listen');
  const socket = graphics.attributes.get('socket') ?? (listen?.attributes.get('type') === 'socket' ? listen.attributes.get('socket') : undefined);
  return async () => {
    let target: { path: string } | { host: string; port: number };
    if (socket !== undefined) {
      target = { path: socket };
    } else {
      const vnc = await domain.guest!.qmp.execute<{ enabled: boolean; host?: string; service?: string }>('query-vnc');
      if (!vnc.enabled || !vnc.service) throw failed('the VNC server is not running');
      target = { host: vnc.host ?? '127.0.0.1', port: Number(vnc.service) };
    }
    return await new Promise<Duplex>((resolve, reject) => {
      const connection = 'path' in target ? connect(target.path) : connect(target.port, target.host);
      connection.once('connect', () => resolve(connection));
      connection.once('error', reject);
    });
  };
}
