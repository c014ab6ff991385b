// Parse and format libvirt's <domainsnapshot> XML with the checks of libvirt's snapshot_conf.c parser.
import { ErrorDomain } from '../errors/error-domain.js';
import { ErrorNumber } from '../errors/error-number.js';
import { VirError } from '../errors/vir-error.js';
import { presentable } from './secure-data.js';
import { childElement, childElements, childText, element, formatXml, parseXmlDocument, type XmlElement, type XmlNode } from './xml-tree.js';

/** `virDomainSnapshotState` names as they appear in `<state>`. */
export const SNAPSHOT_STATES = ['running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended', 'disk-snapshot'] as const;
/** A snapshot's recorded domain state. */
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];

/** `virDomainSnapshotLocation` for a disk: how (or whether) it is captured. */
export type DiskSnapshotMode = 'no' | 'internal' | 'external' | 'manual';

/** `virDomainSnapshotLocation` for memory. */
export type MemorySnapshotMode = 'no' | 'internal' | 'external';

/** One `<disk>` of a snapshot definition. */
export interface SnapshotDiskDef {
  /** Target device (`vda`) or, as given by a caller, an absolute source path. */
  name: string;
  snapshot?: DiskSnapshotMode;
  /** Storage type of the new image: `file` (default) or `block`. */
  type?: 'file' | 'block';
  /** Image format of the new image (`<driver type='qcow2'/>`). */
  driverType?: string;
  /** Path of the new image (`<source file=>` or `<source dev=>`). */
  source?: string;
}

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
}

/** Parse options: REDEFINE requires name, state and creationTime, as libvirt's PARSE_REDEFINE. */
export interface SnapshotParseOptions {
  redefine?: boolean;
  /** VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE: refuse elements the schema does not allow. */
  validate?: boolean;
}

/** Elements `domainsnapshot.rng` allows at the top level. */
const SCHEMA_CHILDREN = new Set([
  'name',
  'description',
  'state',
  'creationTime',
  'parent',
  'memory',
  'disks',
  'revertDisks',
  'domain',
  'inactiveDomain',
  'active',
  'cookie',
]);

function validateAgainstSchema(root: XmlElement): void {
  const fail = (detail: string) =>
    VirError.report(
      ErrorNumber.XmlInvalidSchema,
      ErrorDomain.Xml,
      `Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\n${detail}\n`,
    );
  const extra = childElements(root).find((c) => !SCHEMA_CHILDREN.has(c.name));
  if (extra) throw fail(`Element domainsnapshot has extra content: ${extra.name}`);
  for (const listName of ['disks', 'revertDisks']) {
    const list = childElement(root, listName);
    const notDisk = list ? childElements(list).find((c) => c.name !== 'disk') : undefined;
    if (notDisk) throw fail(`Element ${listName} has extra content: ${notDisk.name}`);
  }
}

const DISK_MODES: readonly DiskSnapshotMode[] = ['no', 'internal', 'external', 'manual'];
const STORAGE_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser', 'vhostvdpa'];
/** Image formats libvirt's storage layer knows (`virStorageFileFormat`). */
export const KNOWN_IMAGE_FORMATS = ['raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'cow', 'qcow', 'qcow2', 'qed', 'vmdk'];

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
  if (options.validate) validateAgainstSchema(root);
  const def: SnapshotDef = { disks: [] };
  const name = childText(root, 'name');
  if (name !== undefined && name !== '') def.name = name;
  else if (options.redefine) throw xmlError('a redefined snapshot must have a name');
  const description = childText(root, 'description');
  if (description !== undefined && description !== '') def.description = description;

  let offline = false;
  if (options.redefine) {
    const creationTime = childText(root, 'creationTime');
    if (creationTime === undefined || !/^\s*-?\d{1,19}\s*$/.test(creationTime)) {
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
    const domain = childElement(root, 'domain');
    if (domain?.attributes.has('type')) def.domain = domain;
    else if (domain) def.domain = domain; // old style <domain><uuid/></domain>: kept for the uuid check
    const inactive = childElement(root, 'inactiveDomain');
    if (inactive) def.inactiveDomain = inactive;
  }

  parseMemory(root, def, offline, options.redefine === true);
  const disks = childElement(root, 'disks');
  if (disks) def.disks = childElements(disks).map(parseDisk);
  const revertDisks = options.redefine ? childElement(root, 'revertDisks') : undefined;
  if (revertDisks) def.revertDisks = childElements(revertDisks).map(parseDisk);
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
  if (file !== undefined && !file.startsWith('/')) throw xmlError(`memory snapshot file path (${file}) must be absolute`);
  if (offline && (snapshot === 'internal' || snapshot === 'external')) {
    throw xmlError('memory state cannot be saved with offline or disk-only snapshot');
  }
  if (snapshot !== undefined || file !== undefined) {
    def.memory = {};
    if (snapshot !== undefined) def.memory.snapshot = snapshot;
    if (file !== undefined) def.memory.file = file;
  }
}

function parseDisk(el: XmlElement): SnapshotDiskDef {
  const name = el.attributes.get('name');
  if (name === undefined || name === '') {
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.DomainSnapshot, 'missing name from disk snapshot element');
  }
  const disk: SnapshotDiskDef = { name };
  const mode = el.attributes.get('snapshot');
  if (mode !== undefined) {
    if (!(DISK_MODES as readonly string[]).includes(mode)) throw invalidValue('snapshot', 'disk', mode);
    disk.snapshot = mode as DiskSnapshotMode;
  }
  const type = el.attributes.get('type') ?? 'file';
  if (!STORAGE_TYPES.includes(type)) throw invalidValue('type', 'disk', type);
  if (type !== 'file' && type !== 'block') {
    throw xmlError(`unsupported disk snapshot type '${type}'`);
  }
  if (el.attributes.has('type')) disk.type = type;
  const source = childElement(el, 'source');
  const path = source?.attributes.get(type === 'block' ? 'dev' : 'file');
  if (path !== undefined && path !== '') {
    if (!path.startsWith('/')) throw xmlError(`disk snapshot image path '${path}' must be absolute`);
    disk.source = path;
  }
  const driverType = childElement(el, 'driver')?.attributes.get('type');
  if (driverType !== undefined) {
    if (!KNOWN_IMAGE_FORMATS.includes(driverType)) {
      throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.DomainSnapshot, `unknown disk snapshot driver '${driverType}'`);
    }
    disk.driverType = driverType;
  }
  if (disk.snapshot === undefined && (disk.source !== undefined || disk.driverType !== undefined)) disk.snapshot = 'external';
  return disk;
}

/** Formats one `<disk>` the way libvirt's snapshot formatter does. */
function formatDisk(disk: SnapshotDiskDef): XmlElement {
  const hasStorage = disk.source !== undefined || disk.driverType !== undefined;
  const attributes: Record<string, string | undefined> = { name: disk.name, snapshot: disk.snapshot };
  if (disk.type !== undefined || hasStorage) attributes.type = disk.type ?? 'file';
  const children: XmlNode[] = [];
  if (disk.driverType !== undefined) children.push(element('driver', { type: disk.driverType }));
  if (disk.source !== undefined) children.push(element('source', disk.type === 'block' ? { dev: disk.source } : { file: disk.source }));
  return element('disk', attributes, children);
}

/**
 * Formats a snapshot definition as libvirt's `virDomainSnapshotDefFormat`: name, description,
 * state, parent, creationTime, memory, disks, revertDisks, domain, inactiveDomain; two-space
 * indentation. A snapshot without a domain definition shows `<domain><uuid/></domain>` when
 * `domainUuid` is given, as libvirt does for snapshots older than 0.9.5. Secure data of the
 * embedded definitions only with `secure` (VIR_DOMAIN_SNAPSHOT_XML_SECURE).
 */
export function formatSnapshotXml(def: SnapshotDef, options: { secure: boolean; domainUuid?: string }): string {
  const domainUuid = options.domainUuid;
  const children: XmlNode[] = [];
  const text = (name: string, value: string) => element(name, {}, [value]);
  if (def.name !== undefined) children.push(text('name', def.name));
  if (def.description !== undefined) children.push(text('description', def.description));
  if (def.state !== undefined) children.push(text('state', def.state));
  if (def.parent !== undefined) children.push(element('parent', {}, [text('name', def.parent)]));
  if (def.creationTime !== undefined) children.push(text('creationTime', String(def.creationTime)));
  if (def.memory !== undefined) children.push(element('memory', { snapshot: def.memory.snapshot, file: def.memory.file }));
  if (def.disks.length > 0) children.push(element('disks', {}, def.disks.map(formatDisk)));
  if (def.revertDisks !== undefined && def.revertDisks.length > 0) children.push(element('revertDisks', {}, def.revertDisks.map(formatDisk)));
  if (def.domain !== undefined) children.push(def.domain);
  else if (domainUuid !== undefined) children.push(element('domain', {}, [element('uuid', {}, [domainUuid])]));
  if (def.inactiveDomain !== undefined) children.push(def.inactiveDomain);
  // The <domain> and <inactiveDomain> keep their secure data only with VIR_DOMAIN_SNAPSHOT_XML_SECURE.
  return formatXml(presentable(element('domainsnapshot', {}, children), options.secure));
}

/** True when a snapshot keeps anything outside the disks' own images (memory file or external disk). */
export function isExternalSnapshot(def: SnapshotDef): boolean {
  return def.memory?.snapshot === 'external' || def.disks.some((d) => d.snapshot === 'external');
}
