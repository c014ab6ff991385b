// Where the qemu driver keeps its state (libvirt-like XML files) and its runtime files, and how they are read and written.
import { ErrorDomain } from '@virtwire/protocol';
import {
  childElement,
  childText,
  DomainDefinition,
  formatSnapshotXml,
  formatXml,
  parseSnapshotXml,
  parseXmlDocument,
  type SnapshotDef,
} from '@virtwire/protocol/xml';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTempFiles } from '../../state/durable-file.js';

/** A snapshot as stored: its definition and whether it is the domain's current snapshot. */
export interface StoredSnapshot {
  def: SnapshotDef & { name: string };
  current: boolean;
}

/** What a running domain's status file holds (libvirt's `/run/libvirt/qemu/<name>.xml`). */
export interface DomainStatus {
  live: DomainDefinition;
  id: number;
  /** Whether the domain was defined (persistent) when last written. */
  persistent: boolean;
  /** The run state (`running` or `paused`) and its reason as last reported, so a restart keeps the reason. */
  state?: 'running' | 'paused';
  reason?: number;
}

/**
 * The driver's files:
 * `<stateDir>/qemu/domains/<name>.xml` (persistent definitions),
 * `<stateDir>/qemu/snapshots/<domain>/<snapshot>.xml` (snapshot metadata, `<active>1</active>` on the current one),
 * `<stateDir>/qemu/intents/` (the intent journal), and per running domain `<runtimeDir>/<uuid>/`
 * (QMP socket, pidfile, log, `status.xml` with the live definition).
 */
export class StateLayout {
  readonly root: string;
  readonly domainsDir: string;
  readonly snapshotsDir: string;
  readonly intentsDir: string;

  constructor(
    readonly stateDir: string,
    readonly runtimeDir: string,
  ) {
    this.root = join(stateDir, 'qemu');
    this.domainsDir = join(this.root, 'domains');
    this.snapshotsDir = join(this.root, 'snapshots');
    this.intentsDir = join(this.root, 'intents');
  }

  /** Creates the directories (0700) and removes temp files a crash left behind (status files' too). */
  prepare(): void {
    for (const dir of [this.domainsDir, this.snapshotsDir, this.intentsDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStaleTempFiles(this.domainsDir);
    for (const name of readdirSync(this.snapshotsDir)) removeStaleTempFiles(join(this.snapshotsDir, name));
    for (const uuid of this.runtimeUuids()) removeStaleTempFiles(this.domainRunDir(uuid));
  }

  domainFile(name: string): string {
    return join(this.domainsDir, `${name}.xml`);
  }

  snapshotDir(domainName: string): string {
    return join(this.snapshotsDir, domainName);
  }

  snapshotFile(domainName: string, snapshotName: string): string {
    return join(this.snapshotsDir, domainName, `${snapshotName}.xml`);
  }

  /** The per-domain runtime directory (kept short: unix socket paths are limited to 107 bytes). */
  domainRunDir(uuid: string): string {
    return join(this.runtimeDir, uuid);
  }

  statusFile(uuid: string): string {
    return join(this.domainRunDir(uuid), 'status.xml');
  }

  /** Every persistent definition, by file. */
  loadDomains(): DomainDefinition[] {
    return readdirSync(this.domainsDir)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .map((f) => DomainDefinition.parse(readFileSync(join(this.domainsDir, f), 'utf8')));
  }

  /** Every stored snapshot of a domain. */
  loadSnapshots(domainName: string): StoredSnapshot[] {
    const dir = this.snapshotDir(domainName);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .map((f) => parseSnapshotFile(readFileSync(join(dir, f), 'utf8')));
  }

  /** UUIDs that have a runtime directory (candidates for re-attaching after a restart). */
  runtimeUuids(): string[] {
    if (!existsSync(this.runtimeDir)) return [];
    return readdirSync(this.runtimeDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(entry.name))
      .map((entry) => entry.name);
  }

  readStatus(uuid: string): DomainStatus | undefined {
    const file = this.statusFile(uuid);
    if (!existsSync(file)) return undefined;
    return parseStatus(readFileSync(file, 'utf8'));
  }
}

/** A snapshot file: the snapshot XML, with `<active>1</active>` when it is current (as libvirt stores it). */
export function formatSnapshotFile(def: SnapshotDef, current: boolean): string {
  const xml = formatSnapshotXml(def, { secure: true });
  if (!current) return xml;
  const at = xml.lastIndexOf('</domainsnapshot>');
  return `${xml.slice(0, at)}  <active>1</active>\n${xml.slice(at)}`;
}

/** Reads a snapshot file written by formatSnapshotFile. */
export function parseSnapshotFile(text: string): StoredSnapshot {
  const def = parseSnapshotXml(text, { redefine: true, saveCookie: true }) as SnapshotDef & { name: string };
  const root = parseXmlDocument(text, { label: 'domain_snapshot', root: 'domainsnapshot', errorDomain: ErrorDomain.DomainSnapshot });
  return { def, current: childText(root, 'active')?.trim() === '1' };
}

/** What a status file is written from: the live definition, or the XML text it was formatted to. */
export type StatusToWrite = Omit<DomainStatus, 'live'> & { live: DomainDefinition | string };

/**
 * A status file: `<domstatus id='N' persistent='yes' state='running' reason='1'>` around the live
 * definition, given as a definition or as the XML text one formatted (written as it is, indented:
 * a change that already formatted the new live definition does not parse and format it again).
 */
export function formatStatus(status: StatusToWrite): string {
  let attributes = ` id='${Math.trunc(status.id)}' persistent='${status.persistent ? 'yes' : 'no'}'`;
  if (status.state !== undefined) attributes += ` state='${status.state === 'paused' ? 'paused' : 'running'}'`;
  if (status.reason !== undefined) attributes += ` reason='${Math.trunc(status.reason)}'`;
  const live = typeof status.live === 'string' ? status.live : formatXml(status.live.tree);
  return `<domstatus${attributes}>\n${live.replace(/^(?=.)/gm, '  ')}</domstatus>\n`;
}

function parseStatus(text: string): DomainStatus {
  const root = parseXmlDocument(text, { label: 'domain_status', root: 'domstatus', errorDomain: ErrorDomain.Qemu });
  const domain = childElement(root, 'domain');
  if (!domain) throw new Error('status file without <domain>');
  const status: DomainStatus = {
    live: DomainDefinition.parse(formatXml(domain), { live: true }),
    id: Number(root.attributes.get('id') ?? -1),
    persistent: root.attributes.get('persistent') !== 'no',
  };
  const state = root.attributes.get('state');
  if (state === 'running' || state === 'paused') status.state = state;
  const reason = Number(root.attributes.get('reason'));
  if (Number.isSafeInteger(reason)) status.reason = reason;
  return status;
}
