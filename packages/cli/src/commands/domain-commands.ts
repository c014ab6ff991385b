// list, dominfo, domstate and dumpxml, printed as virsh prints them.
import { ConnectListAllDomainsFlags as ListDomains, DomainXMLFlags, type Domain } from '@virtwire/client';
import { domainStateName, domainStateReasonName } from '../format/domain-state-names.js';
import { formatTable } from '../format/vsh-table.js';
import { type CommandDefinition, type OptionDefinition, switchOption } from '../shell/command-definition.js';
import { CommandError } from '../shell/shell-errors.js';
import { domainArgument } from './domain-argument.js';
import { mapBounded } from './map-bounded.js';

const DOMAIN_OPTION: OptionDefinition = { name: 'domain', type: 'data', required: true, help: 'domain name, id or uuid' };

/** list's filter switches and their ConnectListAllDomains flags. */
const LIST_FILTERS = [
  ['persistent', ListDomains.Persistent, 'list persistent domains'],
  ['transient', ListDomains.Transient, 'list transient domains'],
  ['with-managed-save', ListDomains.Managedsave, 'list domains with managed save state'],
  ['without-managed-save', ListDomains.NoManagedsave, 'list domains without managed save state'],
  ['autostart', ListDomains.Autostart, 'list domains with autostart enabled'],
  ['no-autostart', ListDomains.NoAutostart, 'list domains with autostart disabled'],
  ['with-snapshot', ListDomains.HasSnapshot, 'list domains with at least one snapshot'],
  ['without-snapshot', ListDomains.NoSnapshot, 'list domains without snapshots'],
  ['state-running', ListDomains.Running, 'list running domains'],
  ['state-paused', ListDomains.Paused, 'list paused domains'],
  ['state-shutoff', ListDomains.Shutoff, 'list shut off domains'],
  ['state-other', ListDomains.Other, 'list domains in other states'],
] as const;

/** virsh's domain order: running domains by id, then the others by name, ignoring case. */
function compareDomains(a: Domain, b: Domain): number {
  if (a.id === -1 && b.id === -1) {
    const fold = (s: string) => Buffer.from(s.replace(/[A-Z]/g, (c) => c.toLowerCase()), 'utf8');
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
  description: 'List the domains: running ones by default.',
  options: [
    switchOption('inactive', 'list inactive domains'),
    switchOption('all', 'list inactive and active domains'),
    ...LIST_FILTERS.map(([name, , help]) => switchOption(name, help)),
    switchOption('uuid', 'list UUIDs only'),
    switchOption('name', 'list domain names only'),
    switchOption('id', 'list domain ids only'),
    switchOption('table', 'list as a table (the default)'),
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
    const rows = domains.flatMap((d, i) => (states[i] === undefined ? [] : [[idText(d), d.name, domainStateName(states[i]!)]]));
    out.print(formatTable(['Id', 'Name', 'State'], rows, !out.quiet));
  },
};

/**
 * `dominfo DOMAIN`, printed as virsh prints it for a daemon without virDomainGetOSType,
 * virDomainGetAutostart, virDomainHasManagedSaveImage and virNodeGetSecurityModel: virsh then
 * leaves out `OS Type:`, `Autostart:` and the security lines, and says `Managed save: unknown`.
 */
export const dominfoCommand: CommandDefinition = {
  name: 'dominfo',
  group: 'monitor',
  summary: 'domain information',
  description: 'Print basic facts about a domain.',
  options: [DOMAIN_OPTION],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options);
    const line = (name: string, value: string | number) => out.print(`${name.padEnd(15)} ${value}\n`);
    line('Id:', domain.id === -1 ? '-' : domain.id);
    line('Name:', domain.name);
    line('UUID:', domain.uuid);
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
    line('Managed save:', 'unknown');
  },
};

/** `domstate DOMAIN [--reason]`. */
export const domstateCommand: CommandDefinition = {
  name: 'domstate',
  group: 'monitor',
  summary: 'domain state',
  description: 'Print the state of a domain.',
  options: [DOMAIN_OPTION, switchOption('reason', 'also print the reason for the state')],
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
    DOMAIN_OPTION,
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
