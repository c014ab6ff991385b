// A character device's host side as libvirt 9.0 reads and writes it (virDomainChrSourceDefParseXML/Format, virDomainChrSourceDefValidate).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, element, type XmlElement } from '../xml-tree.js';
import { canonicalDeviceSeclabels } from './device-seclabel.js';
import { enumAttribute } from './xml-enum.js';
import { propUInt } from './xml-prop.js';

const report = (code: number, message: string) => VirError.report(code, ErrorDomain.Domain, message);
const internal = (message: string) => report(ErrorNumber.InternalError, message);

/** The characters a spiceport or D-Bus channel name may have (SERIAL_CHANNEL_NAME_CHARS). */
const CHANNEL_NAME = /^[A-Za-z0-9_.-]*$/;

/** Which device holds the source, for the checks that depend on it. */
export interface ChardevOwner {
  kind: 'serial' | 'parallel' | 'console' | 'channel' | 'rng' | 'redirdev' | 'smartcard';
  targetType: string | undefined;
}

/**
 * `<reconnect enabled='yes'>` in a source, checked as virDomainChrSourceReconnectDefParseXML reads
 * the first one: `enabled` yes or no, and then a `timeout`.
 */
function reconnects(source: XmlElement): boolean {
  const reconnect = childElements(source, 'reconnect')[0];
  if (!reconnect) return false;
  const enabled = enumAttribute(reconnect, 'enabled', YES_NO);
  if (enabled === 'yes') propUInt(reconnect, 'timeout', 10, true);
  return enabled === 'yes';
}

const YES_NO: ReadonlySet<string> = new Set(['yes', 'no']);

/** `mode` of a source: connect unless it says bind. */
const isBind = (source: XmlElement) => source.attributes.get('mode') === 'bind';

/** An element with only the attributes that are set, or nothing when it has neither attributes nor children. */
function maybe(name: string, attributes: Record<string, string | undefined>, children: XmlElement[] = []): XmlElement[] {
  const el = element(name, attributes, children);
  return el.attributes.size > 0 || children.length > 0 ? [el] : [];
}

/**
 * The `<source>` (two for UDP) and `<protocol>` elements libvirt writes for a character device of
 * `type` read from `el`, as for an inactive definition (a pty's path is the running domain's), after
 * libvirt's checks: one source (two for UDP), a path, host and service where the type needs them,
 * reconnection only when connecting, a valid channel name.
 */
export function canonicalChardevSource(type: string, el: XmlElement, owner: ChardevOwner): XmlElement[] {
  const sources = childElements(el, 'source');
  if (sources.length > 1 && type !== 'udp') throw report(ErrorNumber.XmlError, 'only one source element is allowed for character device');
  if (sources.length > 2) throw report(ErrorNumber.XmlError, 'only two source elements are allowed for character device');
  const source = sources[0];
  const a = (name: string) => source?.attributes.get(name);
  const seclabels = source ? (canonicalDeviceSeclabels(childElements(source, 'seclabel')) as XmlElement[]) : [];
  switch (type) {
    case 'file':
    case 'dev':
    case 'pipe': {
      if (a('path') === undefined) throw internal('Missing source path attribute for char device');
      return maybe('source', { path: a('path'), append: type === 'file' ? a('append') : undefined }, seclabels);
    }
    case 'nmdm':
      if ((a('master') === undefined) !== (a('slave') === undefined)) throw internal('Should define both master and slave path attributes for nmdm device');
      return maybe('source', { master: a('master'), slave: a('slave') });
    case 'udp': {
      let bind: XmlElement | undefined;
      let connect: XmlElement | undefined;
      for (const s of sources) {
        const hasData = (x: XmlElement | undefined) => x !== undefined && (x.attributes.has('host') || x.attributes.has('service'));
        if (!isBind(s) && !hasData(connect)) connect = s;
        else if (isBind(s) && !hasData(bind)) bind = s;
      }
      if (connect?.attributes.get('service') === undefined) throw internal('Missing source service attribute for char device');
      const udp = (mode: string, s: XmlElement | undefined) =>
        s && (s.attributes.has('host') || s.attributes.has('service'))
          ? [element('source', { mode, host: s.attributes.get('host'), service: s.attributes.get('service') })]
          : [];
      return [...udp('bind', bind), ...udp('connect', connect)];
    }
    case 'tcp': {
      if (a('host') === undefined) throw internal('Missing source host attribute for char device');
      if (a('service') === undefined) throw internal('Missing source service attribute for char device');
      if (source && reconnects(source) && isBind(source)) throw internal('chardev reconnect is possible only for connect mode');
      const reconnect = source ? childElements(source, 'reconnect') : [];
      const protocol = childElements(el, 'protocol')[0]?.attributes.get('type') ?? 'raw';
      return [
        element('source', { mode: source && isBind(source) ? 'bind' : 'connect', host: a('host'), service: a('service'), tls: a('tls') }, reconnect),
        element('protocol', { type: protocol }),
      ];
    }
    case 'unix': {
      const generated = owner.kind === 'channel' && (owner.targetType === 'virtio' || owner.targetType === 'xen');
      if (a('path') === undefined && !generated) throw internal('Missing source path attribute for char device');
      if (source && reconnects(source) && isBind(source)) throw internal('chardev reconnect is possible only for connect mode');
      if (a('path') === undefined) return [];
      const reconnect = source ? childElements(source, 'reconnect') : [];
      return [element('source', { mode: source && isBind(source) ? 'bind' : 'connect', path: a('path') }, [...seclabels, ...reconnect])];
    }
    case 'spiceport':
    case 'dbus': {
      const channel = a('channel');
      if (channel === undefined) throw report(ErrorNumber.ConfigUnsupported, 'Missing source channel attribute for char device');
      if (!CHANNEL_NAME.test(channel)) throw report(ErrorNumber.InvalidArg, 'Invalid character in source channel for char device');
      return [element('source', { channel })];
    }
    case 'qemu-vdagent': {
      const clipboard = source ? childElements(source, 'clipboard').slice(0, 1) : [];
      const mouse = source ? childElements(source, 'mouse').slice(0, 1) : [];
      return clipboard.length + mouse.length > 0 ? [element('source', {}, [...clipboard, ...mouse])] : [];
    }
    default:
      return [];
  }
}
