// virDomainOpenConsole for the qemu driver: the guest's serial or virtio console (pty or unix socket) as a byte stream.
import { DomainConsoleFlags, DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childElement, childElements, element, type DomainDefinition } from '@virtwire/protocol/xml';
import { constants, openSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { ReadStream } from 'node:tty';
import type { QmpClient } from './engine/index.js';
import type { QemuDomain } from './qemu-domain.js';

/** One console's QEMU character device and where the daemon reaches it. */
interface ConsoleDevice {
  /** The `-chardev` id. */
  chardev: string;
  /** libvirt's device name (`serial0`, `console0`). */
  name: string;
}

const failed = (detail: string) => VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Qemu, detail);

/** Open console streams by domain uuid and chardev, for libvirt's one-session rule (FORCE takes over). */
const sessions = new Map<string, Duplex>();

/**
 * The console `devName` names (libvirt: `serialN`, `consoleN`; null: the first console) of the
 * running domain: `<console>` N on the serial port is that serial's character device.
 */
function findConsole(domain: QemuDomain, devName: string | null): ConsoleDevice {
  const devices = domain.live ? childElement(domain.live.tree, 'devices') : undefined;
  const consoles = devices ? childElements(devices, 'console') : [];
  const serials = devices ? childElements(devices, 'serial') : [];
  const candidates: ConsoleDevice[] = [];
  let virtio = 0;
  consoles.forEach((console, i) => {
    const target = childElement(console, 'target');
    const chardev = target?.attributes.get('type') === 'virtio' ? `charconsole${virtio++}` : `charserial${target?.attributes.get('port') ?? '0'}`;
    candidates.push({ chardev, name: `console${i}` });
  });
  for (const serial of serials) {
    const port = childElement(serial, 'target')?.attributes.get('port') ?? '0';
    candidates.push({ chardev: `charserial${port}`, name: `serial${port}` });
  }
  const found = devName === null ? candidates[0] : candidates.find((c) => c.name === devName);
  if (!found)
    throw VirError.report(
      ErrorNumber.InternalError,
      ErrorDomain.Qemu,
      devName === null ? 'cannot find default console device' : `cannot find character device ${devName}`,
    );
  return found;
}

/** Opens the host end of QEMU's character device: the pty's slave in raw mode, or a connection to its unix socket. */
async function openChardev(domain: QemuDomain, chardev: string): Promise<Duplex> {
  if (!domain.guest) throw failed('domain is not running');
  const list = await domain.guest.qmp.execute<Array<{ label: string; filename: string }>>('query-chardev');
  const filename = list.find((c) => c.label === chardev)?.filename ?? '';
  const pty = /^pty:(\/dev\/pts\/\d+)$/.exec(filename);
  if (pty) {
    const fd = openSync(pty[1]!, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    try {
      const stream = new ReadStream(fd);
      stream.setRawMode(true); // no echo, no line editing: the guest's bytes as they are
      return stream;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }
  const unix = /^(?:disconnected:)?unix:([^,]+),server=on$/.exec(filename);
  if (unix) {
    return await new Promise<Duplex>((resolve, reject) => {
      const socket = connect(unix[1]!);
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }
  throw failed(`character device ${chardev} is not a pty or a unix socket`);
}

/**
 * Checks the call (`virDomainOpenConsole`: running domain, the console exists, one session unless
 * FORCE) and returns the opener the stream's WebSocket runs when it arrives.
 */
export function consoleOpener(domain: QemuDomain, devName: string | null, flags: number): () => Promise<Duplex> {
  if (!domain.guest || domain.state === DomainState.Shutoff) throw VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Qemu, 'domain is not running');
  const device = findConsole(domain, devName);
  const key = `${domain.uuid}/${device.chardev}`;
  const force = (flags & DomainConsoleFlags.Force) !== 0;
  const active = () => {
    const session = sessions.get(key);
    return session && !session.destroyed ? session : undefined;
  };
  if (active() && !force) throw failed('Active console session exists for this domain');
  return async () => {
    const previous = sessions.get(key);
    if (active() && !force) throw failed('Active console session exists for this domain');
    if (previous) {
      const closed = new Promise((resolve) => previous.once('close', resolve));
      previous.destroy();
      await closed;
    }
    const stream = await openChardev(domain, device.chardev);
    sessions.set(key, stream);
    stream.once('close', () => {
      if (sessions.get(key) === stream) sessions.delete(key);
    });
    return stream;
  };
}

const PTY_DEVICES = ['serial', 'console'];

/**
 * The live XML's pty paths (libvirt's `<source path='/dev/pts/N'/>`, and `tty=` on a console) are
 * output only: dropped from a definition before it starts (a snapshot's copy carries old ones).
 */
export function clearPtyPaths(definition: DomainDefinition): void {
  const devices = childElement(definition.tree, 'devices');
  for (const name of PTY_DEVICES) {
    for (const el of devices ? childElements(devices, name) : []) {
      if (el.attributes.get('type') !== 'pty') continue;
      el.attributes.delete('tty');
      for (let i = el.children.length - 1; i >= 0; i--) {
        const child = el.children[i]!;
        if (typeof child !== 'string' && child.name === 'source') el.children.splice(i, 1);
      }
    }
  }
}

/** Records where QEMU put each pty (query-chardev) in the live definition, as libvirt shows it. */
export async function recordPtyPaths(definition: DomainDefinition, qmp: QmpClient): Promise<void> {
  const list = await qmp.execute<Array<{ label: string; filename: string }>>('query-chardev');
  const ptyOf = (label: string) => /^pty:(\/dev\/pts\/\d+)$/.exec(list.find((c) => c.label === label)?.filename ?? '')?.[1];
  const devices = childElement(definition.tree, 'devices');
  const serialPaths = new Map<string, string>();
  for (const el of devices ? childElements(devices, 'serial') : []) {
    const port = childElement(el, 'target')?.attributes.get('port') ?? '0';
    const path = el.attributes.get('type') === 'pty' ? ptyOf(`charserial${port}`) : undefined;
    if (!path) continue;
    serialPaths.set(port, path);
    el.children.unshift(element('source', { path }));
  }
  let virtio = 0;
  for (const el of devices ? childElements(devices, 'console') : []) {
    const target = childElement(el, 'target');
    const path = target?.attributes.get('type') === 'virtio' ? ptyOf(`charconsole${virtio++}`) : serialPaths.get(target?.attributes.get('port') ?? '0');
    if (el.attributes.get('type') !== 'pty' || !path) continue;
    el.attributes.set('tty', path);
    el.children.unshift(element('source', { path }));
  }
}
