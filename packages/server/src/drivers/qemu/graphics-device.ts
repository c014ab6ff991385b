// VNC graphics and character-device backends as QEMU arguments: unix sockets and loopback ports only, passwords set over QMP.
import { childElement, childElements, type DomainDefinition, type XmlElement } from '@virtwire/protocol/xml';
import { dirname, join } from 'node:path';
import type { DeviceContext } from './device-table.js';
import { unsupported, type Shape } from './xml-shape.js';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];
const attr = (el: XmlElement | undefined, name: string): string | undefined => el?.attributes.get(name);

/** `<graphics>` as the driver accepts it: VNC only. */
export const GRAPHICS_SHAPE: Shape = {
  attributes: { type: ['vnc'], port: /^(-1|\d{4,5})$/, autoport: ['yes', 'no'], listen: LOOPBACK, socket: 'any', passwd: /^[\x20-\x7e]{0,64}$/ },
  children: { listen: { attributes: { type: ['address', 'socket'], address: LOOPBACK, socket: 'any' } } },
};

/** A VNC server on a unix socket, or on a loopback port (5900 and up, or autoport); one per guest. */
export function checkGraphics(el: XmlElement, all: readonly XmlElement[]): void {
  if (all.filter((d) => d.name === 'graphics').length > 1) throw unsupported('more than one <graphics> device is not supported by the qemu driver');
  const listens = childElements(el, 'listen');
  if (listens.length > 1) throw unsupported('more than one <graphics><listen> is not supported by the qemu driver');
  const socket = vncSocket(el);
  if (socket !== undefined) {
    if (!socket.startsWith('/') || socket.includes(',')) throw unsupported(`VNC socket '${socket}' must be an absolute path without commas`);
    return;
  }
  const port = Number(attr(el, 'port') ?? -1);
  if (attr(el, 'autoport') !== 'yes' && !(port >= 5900 && port <= 65535)) throw unsupported(`VNC port ${port} must be 5900 to 65535, or autoport`);
}

function vncSocket(el: XmlElement): string | undefined {
  const listen = childElement(el, 'listen');
  return attr(el, 'socket') ?? (attr(listen, 'type') === 'socket' ? attr(listen, 'socket') : undefined);
}

/**
 * `-vnc unix:<path>` or `-vnc <loopback>:<display>` (autoport: the first free display from 0);
 * a password turns on VNC authentication and is set over QMP before the guest runs, never on
 * the command line.
 */
export function realiseGraphics(el: XmlElement, ctx: DeviceContext): string[] {
  const socket = vncSocket(el);
  let value: string;
  if (socket !== undefined) {
    value = `unix:${socket}`;
  } else {
    const address = attr(childElement(el, 'listen'), 'address') ?? attr(el, 'listen') ?? '127.0.0.1';
    const host = address === '::1' ? '[::1]' : address === 'localhost' ? '127.0.0.1' : address;
    value = attr(el, 'autoport') === 'yes' ? `${host}:0,to=99` : `${host}:${Number(attr(el, 'port')) - 5900}`;
  }
  const passwd = attr(el, 'passwd');
  if (passwd !== undefined) {
    value += ',password=on';
    ctx.prelaunch.push({ command: 'set_password', args: { protocol: 'vnc', password: passwd } });
  }
  return ['-vnc', value];
}

/**
 * Drops the socket paths the driver generated for channels (in the guest's runtime directory
 * `runDir`) from a definition about to start: a definition recorded from a running guest (a
 * snapshot's `<domain>`) carries them, and a start gives each channel its path again.
 */
export function clearGeneratedChannelPaths(definition: DomainDefinition, runDir: string): void {
  const devices = childElement(definition.tree, 'devices');
  for (const el of devices ? childElements(devices, 'channel') : []) {
    const source = childElement(el, 'source');
    const path = attr(source, 'path');
    if (attr(el, 'type') !== 'unix' || path === undefined || dirname(path) !== runDir) continue;
    el.children.splice(el.children.indexOf(source!), 1);
  }
}

/**
 * The `-chardev` value of a serial port, console or channel: `pty`, or a unix socket QEMU listens
 * on. A channel without a path gets one in the guest's runtime directory, recorded in the live
 * definition (as libvirt does).
 */
export function chardevArgument(el: XmlElement, id: string, ctx?: DeviceContext, channelName?: string): string {
  if (attr(el, 'type') === 'pty') return `pty,id=${id}`;
  let source = childElement(el, 'source');
  if (!attr(source, 'path')) {
    if (!ctx || !channelName) throw unsupported(`a unix <${el.name}> needs <source mode='bind' path=...>`);
    if (!source) {
      source = { name: 'source', attributes: new Map(), children: [] };
      el.children.unshift(source);
    }
    source.attributes.set('mode', 'bind');
    source.attributes.set('path', join(ctx.runDir, channelName));
  }
  const path = attr(source, 'path')!;
  if (path.includes(',')) throw unsupported(`socket path '${path}' must not contain commas`);
  if (Buffer.byteLength(path) > 107) throw unsupported(`socket path '${path}' is longer than 107 bytes`);
  return `socket,id=${id},path=${path},server=on,wait=off`;
}
