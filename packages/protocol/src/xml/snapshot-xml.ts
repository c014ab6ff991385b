// Parse and format libvirt's <domainsnapshot> XML with the checks of libvirt's snapshot_conf.c parser.
import { canonicalCpu } from './domain/cpu-format.js';
import { formatWithDomains } from './domain/domain-format.js';
import { formatSnapshotDisk, parseSnapshotDisk, type SnapshotDiskDef } from './snapshot-disk-xml.js';
import { SNAPSHOT_SCHEMA } from './schema/snapshot-schema.js';
import { validateDocument } from './schema/xml-schema.js';
import { ErrorDomain } from '../errors/error-domain.js';
import { ErrorNumber } from '../errors/error-number.js';
import { VirError } from '../errors/vir-error.js';
import { childElement, childElements, childText, element, parseXmlDocument, type XmlElement, type XmlNode } from './xml-tree.js';

/** `virDomainSnapshotState` names as they appear in `<state>`. */
export const SNAPSHOT_STATES = ['running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended', 'disk-snapshot'] as const;
/** A snapshot's recorded domain state. */
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];

/** `virDomainSnapshotLocation` for memory. */
export type MemorySnapshotMode = 'no' | 'internal' | 'external';

/** A parsed `<domainsnapshot>` (virDomainSnapshotDef). */
export interface SnapshotDef {
  name?: string;
  description?: string;
  state?: SnapshotState;
  creationTime?: number;
  parent?: string;
  memory?: { snapshot?: MemorySnapshotMode; file?: string };
  disks: SnapshotDiskDef[];
  /**
   * The overlays a revert made for a snapshot that has children (libvirt >= 9.9's `<revertDisks>`):
   * where the domain writes after reverting, kept apart from `disks` so the children's base stays named.
   */
  revertDisks?: SnapshotDiskDef[];
  /** The domain definition at snapshot time (only kept when it has a `type`, as libvirt). */
  domain?: XmlElement;
  inactiveDomain?: XmlElement;
  /**
   * The hypervisor's save cookie (`<cookie>`), kept only by drivers that have one (qemu: the guest
   * CPU as it ran and whether a slirp helper was used, qemuDomainSaveCookieParse).
   */
  cookie?: { cpu?: XmlElement; slirpHelper: boolean };
}

/** virXPathLongLong's strtoll: leading white space, a sign, decimal digits to the end, within 64 bits. */
function isLongLong(text: string): boolean {
  const match = /^\s*([-+]?\d+)$/.exec(text);
  if (!match) return false;
  const value = BigInt(match[1]!);
  return value >= -(2n ** 63n) && value < 2n ** 63n;
}

/** Parse options: REDEFINE requires name, state and creationTime, as libvirt's PARSE_REDEFINE. */
export interface SnapshotParseOptions {
  redefine?: boolean;
  /** VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE: refuse elements the schema does not allow. */
  validate?: boolean;
  /** The driver keeps a save cookie (libvirt's qemu driver does, its test driver does not). */
  saveCookie?: boolean;
  /**
   * PARSE_OFFLINE: a new snapshot that cannot hold memory (libvirt's qemu driver sets it for a
   * shut-off domain or DISK_ONLY): memory state is refused and no save cookie is kept. A redefined
   * snapshot is offline by its state instead.
   */
  offline?: boolean;
}

const kind = { label: 'domain_snapshot', root: 'domainsnapshot', errorDomain: ErrorDomain.DomainSnapshot };

const xmlError = (detail: string, domain: number = ErrorDomain.DomainSnapshot) => VirError.report(ErrorNumber.XmlError, domain, detail);
const invalidValue = (attribute: string, elementName: string, value: string) =>
  xmlError(`Invalid value for attribute '${attribute}' in element '${elementName}': '${value}'.`, ErrorDomain.Xml);

/**
 * Parses `<domainsnapshot>` XML as libvirt's `virDomainSnapshotDefParseString` does: the same checks,
 * in the same order, with the same error numbers and texts.
 */
export function parseSnapshotXml(xml: string, options: SnapshotParseOptions = {}): SnapshotDef {
  const root = parseXmlDocument(xml, kind);
  if (options.validate) validateDocument(root, SNAPSHOT_SCHEMA);
  const def: SnapshotDef = { disks: [] };
  const name = childText(root, 'name');
  if (name !== undefined && name !== '') def.name = name;
  else if (options.redefine) throw xmlError('a redefined snapshot must have a name');
  const description = childText(root, 'description');
  if (description !== undefined && description !== '') def.description = description;

  let offline = options.offline === true;
  if (options.redefine) {
    const creationTime = childText(root, 'creationTime');
    if (creationTime === undefined || !isLongLong(creationTime)) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.DomainSnapshot, 'missing creationTime from existing snapshot');
    }
    def.creationTime = Number(creationTime);
    const parent = childElement(root, 'parent');
    const parentName = parent ? childText(parent, 'name') : undefined;
    if (parentName) def.parent = parentName;
    const state = childText(root, 'state');
    if (state === undefined || state === '') throw xmlError('missing state from existing snapshot');
    if (!(SNAPSHOT_STATES as readonly string[]).includes(state)) {
      throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.DomainSnapshot, `Invalid state '${state}' in domain snapshot XML`);
    }
    def.state = state as SnapshotState;
    offline = state === 'shutoff' || state === 'disk-snapshot';
    // An old-style <domain><uuid/></domain> (no type) is dropped, as libvirt does: no uuid check, no definition.
    const domain = childElement(root, 'domain');
    if (domain?.attributes.has('type')) def.domain = domain;
    const inactive = childElement(root, 'inactiveDomain');
    if (inactive) def.inactiveDomain = inactive;
  }

  parseMemory(root, def, offline, options.redefine === true);
  const disks = childElement(root, 'disks');
  if (disks) def.disks = childElements(disks).map((el) => parseSnapshotDisk(el, options.redefine === true));
  const revertDisks = options.redefine ? childElement(root, 'revertDisks') : undefined;
  if (revertDisks) def.revertDisks = childElements(revertDisks).map((el) => parseSnapshotDisk(el, true));
  // virSaveCookieParse, for snapshots that are not offline: the first <cpu> (a guest CPU, formatted back
  // as libvirt's CPU parser keeps it: `<model fallback='allow'>` by default) and <slirpHelper/>.
  const cookie = options.saveCookie && !offline ? childElement(root, 'cookie') : undefined;
  if (cookie) {
    def.cookie = { slirpHelper: childElement(cookie, 'slirpHelper') !== undefined };
    const cpu = childElement(cookie, 'cpu');
    if (cpu) def.cookie.cpu = canonicalCpu(cpu);
  }
  return def;
}

function parseMemory(root: XmlElement, def: SnapshotDef, offline: boolean, redefine: boolean): void {
  const memory = childElement(root, 'memory');
  const mode = memory?.attributes.get('snapshot');
  const file = memory?.attributes.get('file');
  let snapshot: MemorySnapshotMode | undefined;
  if (mode !== undefined) {
    if (mode === 'manual') throw xmlError("'manual' memory snapshot mode not supported");
    if (mode !== 'no' && mode !== 'internal' && mode !== 'external') throw invalidValue('snapshot', 'memory', mode);
    snapshot = mode;
  }
  if (file !== undefined) {
    if (snapshot === undefined) snapshot = 'external';
    else if (snapshot !== 'external') throw xmlError(`memory filename '${file}' requires external snapshot`);
  }
  if (snapshot === undefined && redefine) snapshot = offline ? 'no' : 'internal';
  if (file === undefined && snapshot === 'external') throw xmlError('external memory snapshots require a filename');
  // libvirt checks an offline snapshot's memory before the file's path.
  if (offline && (snapshot === 'internal' || snapshot === 'external')) {
    throw xmlError('memory state cannot be saved with offline or disk-only snapshot');
  }
  if (file !== undefined && !file.startsWith('/')) throw xmlError(`memory snapshot file path (${file}) must be absolute`);
  if (snapshot !== undefined || file !== undefined) {
    def.memory = {};
    if (snapshot !== undefined) def.memory.snapshot = snapshot;
    if (file !== undefined) def.memory.file = file;
  }
}

/**
 * Formats a snapshot definition as libvirt's `virDomainSnapshotDefFormat`: name, description,
 * state, parent, creationTime, memory, disks, revertDisks, domain, inactiveDomain, cookie; two-space
 * indentation. A snapshot without a domain definition shows `<domain><uuid/></domain>` when
 * `domainUuid` is given, as libvirt does for snapshots older than 0.9.5. The embedded domain's
 * secrets are held back unless `secure` (VIR_DOMAIN_SNAPSHOT_XML_SECURE), by formatWithDomains.
 */
export function formatSnapshotXml(def: SnapshotDef, options: { secure: boolean; domainUuid?: string }): string {
  const { domainUuid } = options;
  const children: XmlNode[] = [];
  const text = (name: string, value: string) => element(name, {}, [value]);
  if (def.name !== undefined) children.push(text('name', def.name));
  if (def.description !== undefined) children.push(text('description', def.description));
  if (def.state !== undefined) children.push(text('state', def.state));
  if (def.parent !== undefined) children.push(element('parent', {}, [text('name', def.parent)]));
  if (def.creationTime !== undefined) children.push(text('creationTime', String(def.creationTime)));
  if (def.memory !== undefined) children.push(element('memory', { snapshot: def.memory.snapshot, file: def.memory.file }));
  if (def.disks.length > 0) children.push(element('disks', {}, def.disks.map(formatSnapshotDisk)));
  if (def.revertDisks !== undefined && def.revertDisks.length > 0) children.push(element('revertDisks', {}, def.revertDisks.map(formatSnapshotDisk)));
  if (def.domain !== undefined) children.push(def.domain);
  else if (domainUuid !== undefined) children.push(element('domain', {}, [element('uuid', {}, [domainUuid])]));
  if (def.inactiveDomain !== undefined) children.push(def.inactiveDomain);
  if (def.cookie !== undefined) {
    const cookie: XmlNode[] = def.cookie.cpu ? [def.cookie.cpu] : [];
    if (def.cookie.slirpHelper) cookie.push(element('slirpHelper'));
    children.push(element('cookie', {}, cookie));
  }
  return formatWithDomains(element('domainsnapshot', {}, children), options.secure);
}

/** True when a snapshot keeps anything outside the disks' own images (memory file or external disk). */
export function isExternalSnapshot(def: SnapshotDef): boolean {
  return def.memory?.snapshot === 'external' || def.disks.some((d) => d.snapshot === 'external');
}
