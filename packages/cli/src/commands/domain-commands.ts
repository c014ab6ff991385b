// list, dominfo, domstate and dumpxml, printed as virsh prints them.
import { ConnectListAllDomainsFlags as ListDomains, DomainXMLFlags, type Domain } from '@virtwire/client';
import { domainStateName, domainStateReasonName } from '../format/domain-state-names.js';
import { formatTable } from '../format/vsh-table.js';
import { type CommandDefinition, switchOption } from '../shell/command-definition.js';
import { CommandError } from '../shell/shell-errors.js';
import { domainArgument, domainOption } from './domain-argument.js';
import { mapBounded } from './map-bounded.js';

/** list's filter switches and their ConnectListAllDomains flags, in virsh's order (after --inactive and --all). */
const LIST_FILTERS = [
  ['transient', ListDomains.Transient, 'list transient domains'],
  ['persistent', ListDomains.Persistent, 'list persistent domains'],
  ['with-snapshot', ListDomains.HasSnapshot, 'list domains with existing snapshot'],
  ['without-snapshot', ListDomains.NoSnapshot, 'list domains without a snapshot'],
  ['with-checkpoint', ListDomains.HasCheckpoint, 'list domains with existing checkpoint'],
  ['without-checkpoint', ListDomains.NoCheckpoint, 'list domains without a checkpoint'],
  ['state-running', ListDomains.Running, 'list domains in running state'],
  ['state-paused', ListDomains.Paused, 'list domains in paused state'],
  ['state-shutoff', ListDomains.Shutoff, 'list domains in shutoff state'],
  ['state-other', ListDomains.Other, 'list domains in other states'],
  ['autostart', ListDomains.Autostart, 'list domains with autostart enabled'],
  ['no-autostart', ListDomains.NoAutostart, 'list domains with autostart disabled'],
  ['with-managed-save', ListDomains.Managedsave, 'list domains with managed save state'],
  ['without-managed-save', ListDomains.NoManagedsave, 'list domains without managed save'],
] as const;

/** A domain's `<title>` (its first line), or '' (virsh's virshGetDomainDescription on a daemon without metadata calls). */
async function domainTitle(domain: Domain): Promise<string> {
  try {
    const xml = await domain.getXMLDesc(0);
    const title = /<title>([^<]*)<\/title>/.exec(xml)?.[1];
    return title === undefined ? '' : unescapeXml(title).split('\n')[0]!;
  } catch {
    return '';
  }
}

const unescapeXml = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');

/** virsh's domain order: running domains by id, then the others by name, ignoring case. */
function compareDomains(a: Domain, b: Domain): number {
  if (a.id === -1 && b.id === -1) {
    const fold = (s: string) =>
      Buffer.from(
        s.replace(/[A-Z]/g, (c) => c.toLowerCase()),
        'utf8',
      );
    return Buffer.compare(fold(a.name), fold(b.name));
  }
  if (a.id === -1) return 1;
  if (b.id === -1) return -1;
  return a.id - b.id;
}

/** `list`: the domains of the connection as a table (` Id   Name   State`) or as ids, names, UUIDs. */
export const listCommand: CommandDefinition = {
  name: 'list',
  group: 'monitor',
  summary: 'list domains',
  description: 'Returns list of domains.',
  options: [
    switchOption('inactive', 'list inactive domains'),
    switchOption('all', 'list inactive & active domains'),
    ...LIST_FILTERS.map(([name, , help]) => switchOption(name, help)),
    switchOption('uuid', "list uuid's only"),
    switchOption('name', 'list domain names only'),
    switchOption('id', 'list domain IDs only'),
    switchOption('table', 'list table (default)'),
    switchOption('managed-save', 'mark inactive domains with managed save state'),
    switchOption('title', 'show domain title'),
  ],
  async run({ connection, out }, options) {
    let flags: number = ListDomains.Active;
    if (options.has('inactive') || options.has('state-shutoff')) flags = ListDomains.Inactive;
    if (options.has('all')) flags = ListDomains.Active | ListDomains.Inactive;
    for (const [name, bit] of LIST_FILTERS) if (options.has(name)) flags |= bit;
    for (const other of ['name', 'uuid', 'id']) {
      if (options.has('table') && options.has(other)) throw new CommandError(`Options --table and --${other} are mutually exclusive`);
    }
    const byUuid = options.has('uuid');
    const byName = options.has('name');
    const byId = options.has('id');
    const domains = (await connection.listAllDomains(flags)).sort(compareDomains);
    const idText = (d: Domain) => (d.id === -1 ? '-' : String(d.id));
    if (byUuid || byName || byId) {
      let text = '';
      for (const domain of domains) {
        if (byId && domain.id === -1 && !byUuid && !byName) continue;
        const fields: string[] = [];
        if (byUuid) fields.push(domain.uuid);
        if (byId) fields.push(idText(domain));
        if (byName) fields.push(domain.name);
        text += `${fields.join(' ')}\n`;
      }
      out.print(text);
      return;
    }
    const states = await mapBounded(domains, async (d) => {
      try {
        return (await d.getState()).state;
      } catch {
        return undefined;
      }
    });
    const titles = options.has('title') ? await mapBounded(domains, domainTitle) : [];
    const rows = domains.flatMap((d, i) =>
      states[i] === undefined ? [] : [[idText(d), d.name, domainStateName(states[i]!), ...(options.has('title') ? [titles[i] ?? ''] : [])]],
    );
    out.print(formatTable(['Id', 'Name', 'State', ...(options.has('title') ? ['Title'] : [])], rows, !out.quiet));
  },
};

/** A call's answer, or undefined when it fails (virsh leaves such a line out, or says `unknown`). */
async function optional<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch {
    return undefined;
  }
}

/**
 * `dominfo DOMAIN`, printed as virsh prints it: a line left out when the daemon cannot answer it
 * (OS Type, Autostart, the security lines), `unknown` for persistence and managed save.
 */
export const dominfoCommand: CommandDefinition = {
  name: 'dominfo',
  group: 'monitor',
  summary: 'domain information',
  description: 'Print basic facts about a domain.',
  options: [domainOption()],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options);
    const line = (name: string, value: string | number) => out.print(`${name.padEnd(15)} ${value}\n`);
    line('Id:', domain.id === -1 ? '-' : domain.id);
    line('Name:', domain.name);
    line('UUID:', domain.uuid);
    const osType = await optional(() => domain.getOSType());
    if (osType !== undefined) line('OS Type:', osType);
    const info = await domain.getInfo();
    line('State:', domainStateName(info.state));
    line('CPU(s):', info.nrVirtCpu);
    if (info.cpuTime !== 0) line('CPU time:', `${(info.cpuTime / 1e9).toFixed(1)}s`);
    line('Max memory:', `${info.maxMem} KiB`);
    line('Used memory:', `${info.memory} KiB`);
    let persistent: string;
    try {
      persistent = (await domain.isPersistent()) ? 'yes' : 'no';
    } catch {
      persistent = 'unknown';
    }
    line('Persistent:', persistent);
    const autostart = await optional(() => domain.getAutostart());
    if (autostart !== undefined) line('Autostart:', autostart ? 'enable' : 'disable');
    const managedSave = await optional(() => domain.hasManagedSaveImage());
    line('Managed save:', managedSave === undefined ? 'unknown' : managedSave ? 'yes' : 'no');
    const model = await optional(() => connection.getSecurityModel());
    if (model && model.model !== '') {
      line('Security model:', model.model);
      line('Security DOI:', model.doi);
      const label = await optional(() => domain.getSecurityLabel());
      if (label && label.label !== '') line('Security label:', `${label.label} (${label.enforcing ? 'enforcing' : 'permissive'})`);
    }
  },
};

/** `domstate DOMAIN [--reason]`. */
export const domstateCommand: CommandDefinition = {
  name: 'domstate',
  group: 'monitor',
  summary: 'domain state',
  description: 'Print the state of a domain.',
  options: [domainOption(), switchOption('reason', 'also print the reason for the state')],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options);
    let state: { state: number; reason: number };
    try {
      state = await domain.getState();
    } catch (error) {
      out.error('Unable to get domain state');
      throw error;
    }
    const name = domainStateName(state.state);
    out.print(options.has('reason') ? `${name} (${domainStateReasonName(state.state, state.reason)})\n` : `${name}\n`);
  },
};

/** `dumpxml DOMAIN [--inactive] [--security-info] [--update-cpu] [--migratable]`. */
export const dumpxmlCommand: CommandDefinition = {
  name: 'dumpxml',
  group: 'domain',
  summary: 'domain information in XML',
  description: "Print a domain's XML definition.",
  options: [
    domainOption(),
    switchOption('inactive', 'the persistent definition rather than the running one'),
    switchOption('security-info', 'include security-sensitive information'),
    switchOption('update-cpu', 'update the guest CPU from the host CPU'),
    switchOption('migratable', 'XML suitable for migration'),
  ],
  async run({ connection, out }, options) {
    const flags = options.flags({
      inactive: DomainXMLFlags.Inactive,
      'security-info': DomainXMLFlags.Secure,
      'update-cpu': DomainXMLFlags.UpdateCpu,
      migratable: DomainXMLFlags.Migratable,
    });
    const { domain } = await domainArgument(connection, options);
    out.print(await domain.getXMLDesc(flags));
  },
};
