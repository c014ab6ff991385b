// domblklist and domiflist: a domain's disks and interfaces read from its XML, as virsh tables them.
import { DomainXMLFlags, ErrorDomain } from '@virtwire/client';
import type * as XmlHelpers from '@virtwire/client/xml';
import type { XmlElement } from '@virtwire/client/xml';
import { formatTable } from '../format/vsh-table.js';
import { switchOption, type CommandDefinition } from '../shell/command-definition.js';
import { domainArgument, domainOption } from './domain-argument.js';

/** The XML helpers, loaded by the first command that reads a domain's XML (vwsh starts without the parser). */
let xml: typeof XmlHelpers | undefined;
/** The loaded XML helpers (devices() loads them before anything here reads an element). */
const helpers = (): typeof XmlHelpers => xml!;

const attribute = (el: XmlElement | undefined, name: string) => el?.attributes.get(name);

/** The devices of the domain's XML (`--inactive`: the persistent definition), by element name. */
async function devices(
  context: Parameters<CommandDefinition['run']>[0],
  options: Parameters<CommandDefinition['run']>[1],
  name: string,
): Promise<XmlElement[]> {
  xml ??= await import('@virtwire/client/xml');
  const { domain } = await domainArgument(context.connection, options);
  const text = await domain.getXMLDesc(options.has('inactive') ? DomainXMLFlags.Inactive : 0);
  const root = xml.parseXmlDocument(text, { label: 'domain_definition', root: 'domain', errorDomain: ErrorDomain.Domain });
  const list = xml.childElement(root, 'devices');
  return list ? xml.childElements(list, name) : [];
}

/** A disk's source as virsh prints it: file, dev, dir, name, or the pool/volume pair. */
function diskSource(disk: XmlElement): string {
  const source = helpers().childElement(disk, 'source');
  const volume = attribute(source, 'volume');
  if (volume !== undefined) return `${attribute(source, 'pool') ?? ''}/${volume}`;
  return attribute(source, 'file') ?? attribute(source, 'dev') ?? attribute(source, 'dir') ?? attribute(source, 'name') ?? '-';
}

/** `domblklist DOMAIN [--inactive] [--details]`: each disk's target and source (with `--details`, type and device first). */
export const domblklistCommand: CommandDefinition = {
  name: 'domblklist',
  group: 'monitor',
  summary: 'list all domain blocks',
  description: 'Get the summary of block devices for a domain.',
  options: [
    domainOption(),
    switchOption('inactive', 'get inactive rather than running configuration'),
    switchOption('details', 'additionally display the type and device value'),
  ],
  async run(context, options) {
    const details = options.has('details');
    const rows = (await devices(context, options, 'disk')).map((disk) => {
      const row = [attribute(helpers().childElement(disk, 'target'), 'dev') ?? '', diskSource(disk)];
      return details ? [attribute(disk, 'type') ?? '', attribute(disk, 'device') ?? '', ...row] : row;
    });
    context.out.print(formatTable(details ? ['Type', 'Device', 'Target', 'Source'] : ['Target', 'Source'], rows, !context.out.quiet));
  },
};

/** `domiflist DOMAIN [--inactive]`: each interface's target, type, source, model and MAC. */
export const domiflistCommand: CommandDefinition = {
  name: 'domiflist',
  group: 'monitor',
  summary: 'list all domain virtual interfaces',
  description: 'Get the summary of virtual interfaces for a domain.',
  options: [domainOption(), switchOption('inactive', 'get inactive rather than running configuration')],
  async run(context, options) {
    const rows = (await devices(context, options, 'interface')).map((nic) => {
      const source = helpers().childElement(nic, 'source');
      const sourceText = attribute(source, 'bridge') ?? attribute(source, 'dev') ?? attribute(source, 'network') ?? attribute(source, 'name') ?? '-';
      return [
        attribute(helpers().childElement(nic, 'target'), 'dev') ?? '-',
        attribute(nic, 'type') ?? '',
        sourceText,
        attribute(helpers().childElement(nic, 'model'), 'type') ?? '-',
        attribute(helpers().childElement(nic, 'mac'), 'address') ?? '',
      ];
    });
    context.out.print(formatTable(['Interface', 'Type', 'Source', 'Model', 'MAC'], rows, !context.out.quiet));
  },
};
