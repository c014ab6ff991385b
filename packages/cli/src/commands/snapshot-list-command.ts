// snapshot-list: virsh's table, --name and --tree listings with its filters and option conflicts.
import { DomainSnapshotListFlags as List, ErrorNumber, VirError, type DomainSnapshot } from '@virtwire/client';
import { formatCreationTime } from '../format/creation-time.js';
import { formatTable } from '../format/vsh-table.js';
import { formatTree } from '../format/vsh-tree.js';
import { type CommandDefinition, switchOption } from '../shell/command-definition.js';
import type { ParsedOptions } from '../shell/parsed-options.js';
import { CommandError } from '../shell/shell-errors.js';
import { domainArgument, domainOption } from './domain-argument.js';
import { mapBounded } from './map-bounded.js';
import { snapshotArgument } from './snapshot-argument.js';
import { snapshotXmlFacts } from './snapshot-xml-facts.js';

/** Pairs virsh refuses together, checked in virsh's order. */
const EXCLUSIVE_PAIRS = [
  ['tree', 'name'],
  ['parent', 'roots'],
  ['parent', 'tree'],
  ['roots', 'tree'],
  ['roots', 'from'],
  ['roots', 'current'],
] as const;

/** Filters that cannot be drawn as a tree, and their list flags. */
const TREE_EXCLUSIVE_FILTERS = [
  ['leaves', List.Leaves],
  ['no-leaves', List.NoLeaves],
  ['inactive', List.Inactive],
  ['active', List.Active],
  ['disk-only', List.DiskOnly],
  ['internal', List.Internal],
  ['external', List.External],
] as const;

/** The list flags the options ask for, after virsh's conflict checks. */
function listFlags(options: ParsedOptions): number {
  for (const [a, b] of EXCLUSIVE_PAIRS) {
    if (options.has(a) && options.has(b)) throw new CommandError(`Options --${a} and --${b} are mutually exclusive`);
  }
  const tree = options.has('tree');
  let flags = 0;
  for (const [name, bit] of TREE_EXCLUSIVE_FILTERS) {
    if (!options.has(name)) continue;
    if (tree) throw new CommandError(`--${name} and --tree are mutually exclusive`);
    flags |= bit;
  }
  flags |= options.flags({ roots: List.Roots, metadata: List.Metadata, 'no-metadata': List.NoMetadata, topological: List.Topological });
  if (options.has('descendants')) {
    if (!options.has('from') && !options.has('current')) throw new CommandError('--descendants requires either --from or --current');
    flags |= List.Descendants;
  }
  return flags;
}

/** Folds ASCII letters and compares as bytes, like virsh's strcasecmp-based sorter. */
function compareNames(a: string, b: string): number {
  const fold = (s: string) =>
    Buffer.from(
      s.replace(/[A-Z]/g, (c) => c.toLowerCase()),
      'utf8',
    );
  return Buffer.compare(fold(a), fold(b));
}

/** A snapshot's parent name, undefined for a root (`virshGetSnapshotParent`). */
async function parentName(snapshot: DomainSnapshot): Promise<string | undefined> {
  try {
    return (await snapshot.getParent()).name;
  } catch (error) {
    if (VirError.is(error) && error.code === ErrorNumber.NoDomainSnapshot) return undefined;
    throw error;
  }
}

/** `snapshot-list DOMAIN`: list a domain's snapshots. */
export const snapshotListCommand: CommandDefinition = {
  name: 'snapshot-list',
  group: 'snapshot',
  summary: 'List snapshots for a domain',
  description: 'List the snapshots of a domain, as a table, names only, or a tree.',
  options: [
    domainOption(),
    switchOption('parent', 'add a column with the parent snapshot'),
    switchOption('roots', 'list only snapshots without a parent'),
    switchOption('leaves', 'list only snapshots without children'),
    switchOption('no-leaves', 'list only snapshots with children'),
    switchOption('metadata', 'list only snapshots whose metadata would prevent undefine'),
    switchOption('no-metadata', 'list only snapshots without libvirt metadata'),
    switchOption('inactive', 'list only snapshots taken while the domain was shut off'),
    switchOption('active', 'list only snapshots taken while the domain was running'),
    switchOption('disk-only', 'list only disk-only snapshots'),
    switchOption('internal', 'list only internal snapshots'),
    switchOption('external', 'list only external snapshots'),
    switchOption('tree', 'draw the snapshots as a tree'),
    { name: 'from', type: 'string', help: 'list only the children of this snapshot' },
    switchOption('current', 'list only the children of the current snapshot'),
    switchOption('descendants', 'with --from or --current, list all descendants'),
    switchOption('name', 'list snapshot names only'),
    switchOption('topological', 'sort parents before children instead of by name'),
  ],
  async run(context, options) {
    const flags = listFlags(options);
    const tree = options.has('tree');
    const { domain } = await domainArgument(context.connection, options);
    const start = options.has('from') || options.has('current') ? await snapshotArgument(domain, options, 'from', true) : undefined;
    const snapshots = start ? await start.listAllChildren(flags) : await domain.listAllSnapshots(flags);

    if (tree) {
      const entries = (await mapBounded(snapshots, async (s) => ({ name: s.name, parent: await parentName(s) }))) as {
        name: string;
        parent: string | undefined;
      }[];
      if (start) entries.push({ name: start.name, parent: undefined });
      if (!(flags & List.Topological)) entries.sort((a, b) => compareNames(a.name, b.name));
      context.out.print(formatTree(entries));
      return;
    }
    const sorted = flags & List.Topological ? snapshots : [...snapshots].sort((a, b) => compareNames(a.name, b.name));
    if (options.has('name')) {
      context.out.print(sorted.map((s) => `${s.name}\n`).join(''));
      return;
    }
    const withParent = options.has('parent');
    const rows = await mapBounded(sorted, async (snapshot) => {
      let xml: string;
      try {
        xml = await snapshot.getXMLDesc(0);
      } catch {
        return undefined;
      }
      const facts = await snapshotXmlFacts(xml);
      if (!facts || facts.state === undefined || facts.creationTime === undefined) return undefined;
      const row = [snapshot.name, formatCreationTime(facts.creationTime, context.env.TZ), facts.state];
      if (withParent) row.push(facts.parent ?? '');
      return row;
    });
    const header = withParent ? ['Name', 'Creation Time', 'State', 'Parent'] : ['Name', 'Creation Time', 'State'];
    context.out.print(
      formatTable(
        header,
        rows.filter((r): r is string[] => r !== undefined),
        !context.out.quiet,
      ),
    );
  },
};
