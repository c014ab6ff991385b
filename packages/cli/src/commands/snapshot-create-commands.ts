// snapshot-create and snapshot-create-as: every virsh 9 option, mapped one to one onto DomainSnapshotCreateXML flags.
import { DomainSnapshotCreateFlags as Create, type Domain } from '@virtwire/client';
import { type CommandDefinition, type CommandContext, switchOption } from '../shell/command-definition.js';
import type { ParsedOptions } from '../shell/parsed-options.js';
import { domainArgument, domainOption } from './domain-argument.js';
import { readXmlFile } from './read-xml-file.js';
import { buildSnapshotXml } from './snapshot-spec.js';

/** The create switches: each one's DomainSnapshotCreateXML flag and help, written once for both commands. */
const CREATE_SWITCHES = [
  ['redefine', Create.Redefine, 'install metadata of an existing snapshot instead of taking one'],
  ['current', Create.Current, 'with --redefine, make the snapshot current'],
  ['no-metadata', Create.NoMetadata, 'take the snapshot but keep no metadata'],
  ['halt', Create.Halt, 'stop the domain once the snapshot is taken'],
  ['disk-only', Create.DiskOnly, 'capture the disks but not the memory'],
  ['reuse-external', Create.ReuseExt, 'reuse existing external files'],
  ['quiesce', Create.Quiesce, "freeze the guest's file systems around the snapshot"],
  ['atomic', Create.Atomic, 'change every disk or none'],
  ['live', Create.Live, 'take the snapshot without pausing the domain'],
  ['validate', Create.Validate, 'validate the XML against the schema'],
] as const;

/** The switches of CREATE_SWITCHES a command takes (snapshot-create-as has no --redefine or --current). */
const createSwitches = (except: readonly string[] = []) =>
  CREATE_SWITCHES.filter(([name]) => !except.includes(name)).map(([name, , help]) => switchOption(name, help));

function createFlags(options: ParsedOptions): number {
  return options.flags(Object.fromEntries(CREATE_SWITCHES.map(([name, flag]) => [name, flag])));
}

/**
 * `virshSnapshotCreate`: creates the snapshot and says so. Unlike virsh, a refused `--halt` is
 * reported as it is: vwsh never retries without HALT and then destroys the domain itself.
 */
async function createAndReport(context: CommandContext, domain: Domain, xml: string, flags: number, file: string | undefined): Promise<void> {
  const snapshot = await domain.snapshotCreateXML(xml, flags);
  context.out.printExtra(file === undefined ? `Domain snapshot ${snapshot.name} created` : `Domain snapshot ${snapshot.name} created from '${file}'`);
}

/** `snapshot-create DOMAIN [XMLFILE]`: create a snapshot from XML (`<domainsnapshot/>` without a file). */
export const snapshotCreateCommand: CommandDefinition = {
  name: 'snapshot-create',
  group: 'snapshot',
  summary: 'Create a snapshot from XML',
  description: 'Create a snapshot (disk and RAM) from an XML file, or an empty definition without one.',
  options: [domainOption(), { name: 'xmlfile', type: 'string', help: 'file holding the <domainsnapshot> XML' }, ...createSwitches()],
  async run(context, options) {
    const flags = createFlags(options);
    const { domain } = await domainArgument(context.connection, options);
    const file = options.string('xmlfile');
    const xml = file === undefined ? '<domainsnapshot/>' : readXmlFile(file);
    await createAndReport(context, domain, xml, flags, file);
  },
};

/** `snapshot-create-as DOMAIN [NAME] [DESCRIPTION] [DISKSPEC]...`: create a snapshot from arguments. */
export const snapshotCreateAsCommand: CommandDefinition = {
  name: 'snapshot-create-as',
  group: 'snapshot',
  summary: 'Create a snapshot from a set of args',
  description: 'Create a snapshot (disk and RAM) from arguments; --print-xml shows the XML instead.',
  options: [
    domainOption(),
    { name: 'name', type: 'string', help: 'name of the snapshot' },
    { name: 'description', type: 'string', help: 'description of the snapshot' },
    switchOption('print-xml', 'print the XML instead of creating the snapshot'),
    ...createSwitches(['redefine', 'current']),
    { name: 'memspec', type: 'string', namedOnly: true, help: 'memory attributes: [file=]name[,snapshot=type]' },
    { name: 'diskspec', type: 'argv', help: 'disk attributes: disk[,snapshot=type][,driver=type][,stype=type][,file=name]' },
  ],
  async run(context, options) {
    const flags = createFlags(options);
    const { domain } = await domainArgument(context.connection, options);
    const name = options.string('name');
    const description = options.string('description');
    const xml = buildSnapshotXml({ name, description, memspec: options.string('memspec'), diskspecs: options.all('diskspec') });
    if (options.has('print-xml')) {
      context.out.print(`${xml}\n`);
      return;
    }
    await createAndReport(context, domain, xml, flags, undefined);
  },
};
