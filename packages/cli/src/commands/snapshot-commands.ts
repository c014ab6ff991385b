// snapshot-info, snapshot-dumpxml, snapshot-parent and snapshot-current, with virsh's output and messages.
import { DomainSnapshotCreateFlags as Create, DomainSnapshotListFlags as List, DomainSnapshotXMLFlags, ErrorNumber, VirError } from '@virtwire/client';
import type { CommandDefinition, OptionDefinition } from '../shell/command-definition.js';
import { CommandError } from '../shell/shell-errors.js';
import { domainArgument, domainOption } from './domain-argument.js';
import { snapshotArgument } from './snapshot-argument.js';
import { snapshotXmlFacts } from './snapshot-xml-facts.js';

const SECURITY_INFO: OptionDefinition = { name: 'security-info', type: 'bool', help: 'include security-sensitive information' };
const label = (name: string, value: string | number) => `${name.padEnd(15)} ${value}\n`;

/** `snapshot-info DOMAIN {SNAPSHOTNAME | --current}`. */
export const snapshotInfoCommand: CommandDefinition = {
  name: 'snapshot-info',
  group: 'snapshot',
  summary: 'snapshot information',
  description: 'Print basic facts about a snapshot.',
  options: [domainOption(), { name: 'snapshotname', type: 'string', help: 'snapshot name' }, { name: 'current', type: 'bool', help: 'the current snapshot' }],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options);
    const snapshot = await snapshotArgument(domain, options, 'snapshotname', true);
    out.print(label('Name:', snapshot.name));
    out.print(label('Domain:', domain.name));
    out.print(label('Current:', (await snapshot.isCurrent()) ? 'yes' : 'no'));
    const facts = await snapshotXmlFacts(await snapshot.getXMLDesc(0));
    if (!facts || facts.state === undefined) throw new CommandError('unexpected problem reading snapshot xml');
    out.print(label('State:', facts.state));
    out.print(label('Location:', facts.external ? 'external' : 'internal'));
    out.print(label('Parent:', facts.parent ?? '-'));
    out.print(label('Children:', await snapshot.numChildren(0)));
    out.print(label('Descendants:', await snapshot.numChildren(List.Descendants)));
    out.print(label('Metadata:', (await snapshot.hasMetadata()) ? 'yes' : 'no'));
  },
};

/** `snapshot-dumpxml DOMAIN SNAPSHOTNAME [--security-info]`. */
export const snapshotDumpXmlCommand: CommandDefinition = {
  name: 'snapshot-dumpxml',
  group: 'snapshot',
  summary: 'Dump XML for a domain snapshot',
  description: "Print a snapshot's XML.",
  options: [domainOption(), { name: 'snapshotname', type: 'data', required: true, help: 'snapshot name' }, SECURITY_INFO],
  async run({ connection, out }, options) {
    const flags = options.has('security-info') ? DomainSnapshotXMLFlags.Secure : 0;
    const name = options.required('snapshotname');
    const { domain } = await domainArgument(connection, options);
    const snapshot = await domain.snapshotLookupByName(name);
    out.print(await snapshot.getXMLDesc(flags));
  },
};

/** `snapshot-parent DOMAIN {SNAPSHOTNAME | --current}`. */
export const snapshotParentCommand: CommandDefinition = {
  name: 'snapshot-parent',
  group: 'snapshot',
  summary: 'Get the name of the parent of a snapshot',
  description: "Print the name of a snapshot's parent, if it has one.",
  options: [
    domainOption(),
    { name: 'snapshotname', type: 'string', help: 'snapshot whose parent to print' },
    { name: 'current', type: 'bool', help: 'the parent of the current snapshot' },
  ],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options);
    const snapshot = await snapshotArgument(domain, options, 'snapshotname', true);
    let parent: string;
    try {
      parent = (await snapshot.getParent()).name;
    } catch (error) {
      if (VirError.is(error) && error.code === ErrorNumber.NoDomainSnapshot) throw new CommandError(`snapshot '${snapshot.name}' has no parent`);
      throw error;
    }
    out.print(parent);
  },
};

/**
 * `snapshot-current DOMAIN [--name] [--security-info] [SNAPSHOTNAME]`: print the current snapshot,
 * or make SNAPSHOTNAME current the way virsh does (libvirt has no call for it): redefine the
 * snapshot with its own secure XML and REDEFINE|CURRENT, plus DISK_ONLY for a disk-snapshot.
 */
export const snapshotCurrentCommand: CommandDefinition = {
  name: 'snapshot-current',
  group: 'snapshot',
  summary: 'Get or set the current snapshot',
  description: 'Print the current snapshot (its XML, or its name with --name), or make another snapshot current.',
  options: [
    domainOption(),
    { name: 'name', type: 'bool', help: 'print the name rather than the XML' },
    SECURITY_INFO,
    { name: 'snapshotname', type: 'string', help: 'existing snapshot to make current' },
  ],
  async run({ connection, out }, options) {
    if (options.has('name') && options.has('snapshotname')) throw new CommandError('Options --name and --snapshotname are mutually exclusive');
    const { domain, given } = await domainArgument(connection, options);
    const wanted = options.string('snapshotname');
    if (wanted !== undefined) {
      const snapshot = await domain.snapshotLookupByName(wanted);
      const xml = await snapshot.getXMLDesc(DomainSnapshotXMLFlags.Secure);
      let flags = Create.Redefine | Create.Current;
      if (xml.includes('<state>disk-snapshot</state>')) flags |= Create.DiskOnly;
      await domain.snapshotCreateXML(xml, flags);
      out.printExtra(`Snapshot ${wanted} set as current`);
      return;
    }
    if (!(await domain.hasCurrentSnapshot())) throw new CommandError(`domain '${given}' has no current snapshot`);
    const current = await domain.snapshotCurrent();
    if (options.has('name')) out.print(current.name);
    else out.print(await current.getXMLDesc(options.has('security-info') ? DomainSnapshotXMLFlags.Secure : 0));
  },
};
