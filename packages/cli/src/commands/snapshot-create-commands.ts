// snapshot-create and snapshot-create-as: every virsh 9 option, mapped one to one onto DomainSnapshotCreateXML flags.
import { DomainSnapshotCreateFlags as Create, type Domain } from '@virtwire/client';
import { type CommandDefinition, type CommandContext, switchOption } from '../shell/command-definition.js';
import type { ParsedOptions } from '../shell/parsed-options.js';
import { domainArgument, domainOption } from './domain-argument.js';
import { readXmlFile } from './read-xml-file.js';
import { buildSnapshotXml } from './snapshot-spec.js';



/** Switches shared by both commands, and the create flag each one sets. */
const CREATE_SWITCHES = {
  redefine: Create.Redefine,
  current: Create.Current,
  'no-metadata': Create.NoMetadata,
  halt: Create.Halt,
  'disk-only': Create.DiskOnly,
  'reuse-external': Create.ReuseExt,
  quiesce: Create.Quiesce,
  atomic: Create.Atomic,
  live: Create.Live,
  validate: Create.Validate,
} as const;

function createFlags(options: ParsedOptions): number {
  return options.flags(CREATE_SWITCHES);
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
  options: [
    domainOption(),
    { name: 'xmlfile', type: 'string', help: 'file holding the <domainsnapshot> XML' },
    switchOption('redefine', 'install metadata of an existing snapshot instead of taking one'),
    switchOption('current', 'with --redefine, make the snapshot current'),
    switchOption('no-metadata', 'take the snapshot but keep no metadata'),
    switchOption('halt', 'stop the domain once the snapshot is taken'),
    switchOption('disk-only', 'capture the disks but not the memory'),
    switchOption('reuse-external', 'reuse existing external files'),
    switchOption('quiesce', "freeze the guest's file systems around the snapshot"),
    switchOption('atomic', 'change every disk or none'),
    switchOption('live', 'take the snapshot without pausing the domain'),
    switchOption('validate', 'validate the XML against the schema'),
  ],
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
    switchOption('no-metadata', 'take the snapshot but keep no metadata'),
    switchOption('halt', 'stop the domain once the snapshot is taken'),
    switchOption('disk-only', 'capture the disks but not the memory'),
    switchOption('reuse-external', 'reuse existing external files'),
    switchOption('quiesce', "freeze the guest's file systems around the snapshot"),
    switchOption('atomic', 'change every disk or none'),
    switchOption('live', 'take the snapshot without pausing the domain'),
    switchOption('validate', 'validate the XML against the schema'),
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
