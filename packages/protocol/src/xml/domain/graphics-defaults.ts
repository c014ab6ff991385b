// A `<graphics>` device as libvirt parses and completes it: its listens (with the legacy listen/socket attributes), VNC and SPICE ports.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import type { GraphicsSpec } from './domain-spec.js';
import { enumAttribute } from './xml-enum.js';
import { element, type XmlElement } from '../xml-tree.js';
import { cStrToInteger } from './xml-prop.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

const LISTEN_TYPES: ReadonlySet<string> = new Set(['address', 'network', 'socket', 'none']);
const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);
/** virDomainGraphicsSpiceChannelMode. */
const SPICE_MODES: ReadonlySet<string> = new Set(['any', 'secure', 'insecure']);

/** virXMLPropInt without flags: an int attribute (libvirt's "Expected integer value"). */
function propInt(el: XmlElement, name: string): void {
  const value = el.attributes.get(name);
  if (value === undefined) return;
  const n = cStrToInteger(value, 10);
  const signed = n && (n.negative ? -n.value : n.value);
  if (signed === undefined || signed > 0x7fffffffn || signed < -0x80000000n) {
    throw VirError.report(
      ErrorNumber.XmlError,
      ErrorDomain.Xml,
      `Invalid value for attribute '${name}' in element '${el.name}': '${value}'. Expected integer value`,
    );
  }
}

/**
 * The attributes virDomainGraphicsDefParseXML reads by enum or number for the types whose parse the
 * model makes at once: SPICE's port, tlsPort, autoport (yes or no) and defaultMode; SDL's and
 * desktop's fullscreen; D-Bus's p2p.
 */
export function checkGraphicsAttributes(el: XmlElement, type: string): void {
  if (type === 'spice') {
    propInt(el, 'port');
    propInt(el, 'tlsPort');
    enumAttribute(el, 'autoport', YES_NO);
    enumAttribute(el, 'defaultMode', SPICE_MODES);
  } else if (type === 'sdl' || type === 'desktop') {
    enumAttribute(el, 'fullscreen', YES_NO);
  } else if (type === 'dbus') {
    enumAttribute(el, 'p2p', YES_NO);
  }
}

/**
 * libvirt's virDomainGraphicsListensParseXML for a definition: each `<listen>` checked (its type,
 * the first one against the legacy `listen` and `socket` attributes), then a listen made from those
 * attributes when there is none, or put first when a VNC `socket` attribute names one.
 */
function parseListens(graphics: GraphicsSpec): Map<string, string>[] {
  const a = graphics.attributes;
  const out = graphics.listens.map((given, i) => {
    const type = enumAttribute(element('listen', Object.fromEntries(given)), 'type', LISTEN_TYPES, true)!;
    if ((type === 'socket' || type === 'none') && graphics.type !== 'vnc' && graphics.type !== 'spice') {
      throw unsupported(`listen type '${type}' is not available for graphics type '${graphics.type}'`);
    }
    let address = given.get('address');
    let socket = given.get('socket');
    const network = given.get('network');
    if (i === 0 && type === 'address') {
      const compat = a.get('listen');
      if (address !== undefined && compat !== undefined && address !== compat) {
        throw unsupported(`graphics 'listen' attribute '${compat}' must match 'address' attribute of first listen element (found '${address}')`);
      }
      address ??= compat;
    }
    if (i === 0 && type === 'socket') {
      const compat = a.get('socket');
      if (socket !== undefined && compat !== undefined && socket !== compat) {
        throw unsupported(`graphics 'socket' attribute '${compat}' must match 'socket' attribute of first listen element (found '${socket}')`);
      }
      socket ??= compat;
    }
    const listen = new Map([['type', type]]);
    if (address && type === 'address') listen.set('address', address);
    if (network) {
      if (type !== 'network') throw xmlError("'network' attribute is valid only for listen type 'network'");
      listen.set('network', network);
    }
    if (socket) {
      if (type !== 'socket') throw xmlError("'socket' attribute is valid only for listen type 'socket'");
      listen.set('socket', socket);
    }
    return listen;
  });
  const socket = graphics.type === 'vnc' ? a.get('socket') : undefined;
  const listenAttribute = a.get('listen');
  const fromAttributes =
    socket !== undefined
      ? new Map([
          ['type', 'socket'],
          ['socket', socket],
        ])
      : new Map([['type', 'address'], ...(listenAttribute ? ([['address', listenAttribute]] as [string, string][]) : [])]);
  if (out.length === 0) out.push(fromAttributes);
  else if ((out[0]!.get('type') === 'address' || out[0]!.get('type') === 'network') && fromAttributes.get('type') === 'socket') out[0] = fromAttributes;
  return out;
}

const integer = (value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  return /^[+-]?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
};

/** The attributes libvirt writes before the others: port, autoport and listen address of the first listen. */
function portAttributes(graphics: GraphicsSpec, first: Map<string, string>): Map<string, string> {
  const a = graphics.attributes;
  const out = new Map<string, string>();
  const listenType = first.get('type');
  if (graphics.type === 'vnc') {
    const given = a.get('port');
    let port = integer(given, 0);
    if (Number.isNaN(port)) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, `cannot parse vnc port ${given}`);
    let autoport = given === undefined || port === -1;
    if (port === -1) port = 0;
    if (a.get('autoport') === 'yes') autoport = true;
    else if (a.get('autoport') === 'no') autoport = false;
    if (autoport) port = 0;
    if (listenType === 'socket') {
      if (first.get('socket')) out.set('socket', first.get('socket')!);
    } else if (listenType === 'address' || listenType === 'network') {
      if (port !== 0) out.set('port', String(port));
      else if (autoport) out.set('port', '-1');
      out.set('autoport', autoport ? 'yes' : 'no');
      const websocket = a.get('websocket');
      if (websocket !== undefined && websocket !== '0') out.set('websocket', websocket);
      if (listenType === 'address' && first.get('address')) out.set('listen', first.get('address')!);
    }
  } else {
    let port = integer(a.get('port'), 0);
    let tlsPort = integer(a.get('tlsPort'), 0);
    let autoport = a.get('autoport') === 'yes';
    if (port === -1 && tlsPort === -1) autoport = true;
    if (autoport) port = tlsPort = 0;
    if (listenType === 'address' && port === 0 && tlsPort === 0 && !autoport) {
      first.clear();
      first.set('type', 'none');
    } else if (listenType === 'address' || listenType === 'network') {
      if (port) out.set('port', String(port));
      if (tlsPort) out.set('tlsPort', String(tlsPort));
      out.set('autoport', autoport ? 'yes' : 'no');
      if (listenType === 'address' && first.get('address')) out.set('listen', first.get('address')!);
    }
  }
  return out;
}

/** Completes VNC and SPICE graphics as libvirt does; RDP and D-Bus lose a `passwd` libvirt keeps none of. */
export function defaultGraphics(graphics: GraphicsSpec): void {
  const a = graphics.attributes;
  if (graphics.type === 'rdp' || graphics.type === 'dbus') a.delete('passwd');
  if (graphics.type === 'rdp') {
    rdpDefaults(graphics);
    return;
  }
  if (graphics.type !== 'vnc' && graphics.type !== 'spice') return;
  graphics.listens = parseListens(graphics);
  const leading = portAttributes(graphics, graphics.listens[0]!);
  const rest = [...a].filter(([k]) => !['socket', 'port', 'tlsPort', 'autoport', 'websocket', 'listen'].includes(k));
  graphics.attributes = new Map([...leading, ...rest]);
}

/**
 * RDP as virDomainGraphicsDefParseXMLRDP reads a definition and virDomainGraphicsDefFormat writes
 * it: a port that is not an int is refused; no port, port -1 or autoport='yes' (only 'yes') is an
 * automatic port, written as port 0; replaceUser and multiUser only when 'yes'; the first listen's
 * address last. Other attributes are dropped.
 */
function rdpDefaults(graphics: GraphicsSpec): void {
  const a = graphics.attributes;
  const given = a.get('port');
  let port = 0;
  let autoport = given === undefined;
  if (given !== undefined) {
    const n = cStrToInteger(given, 10);
    const value = n && (n.negative ? -n.value : n.value);
    if (value === undefined || value > 0x7fffffffn || value < -0x80000000n) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, `cannot parse rdp port ${given}`);
    }
    port = Number(value);
    if (port === -1) autoport = true;
  }
  if (a.get('autoport') === 'yes') autoport = true;
  if (autoport) port = 0;
  graphics.listens = parseListens(graphics);
  const out = new Map<string, string>();
  if (port !== 0) out.set('port', String(port));
  else if (autoport) out.set('port', '0');
  if (autoport) out.set('autoport', 'yes');
  for (const name of ['replaceUser', 'multiUser']) if (a.get(name) === 'yes') out.set(name, 'yes');
  const first = graphics.listens[0];
  const address = first?.get('type') === 'address' ? first.get('address') : undefined;
  if (address !== undefined) out.set('listen', address);
  graphics.attributes = out;
}
