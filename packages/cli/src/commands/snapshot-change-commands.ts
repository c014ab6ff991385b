// snapshot-revert and snapshot-delete, with virsh's lazy --force and its "Failed to ..." lines.
import { DomainSnapshotDeleteFlags as Delete, DomainSnapshotRevertFlags as Revert, ErrorNumber, VirError } from '@virtwire/client';
import { type CommandDefinition, switchOption } from '../shell/command-definition.js';
import { domainArgument, domainOption } from './domain-argument.js';
import { snapshotArgument } from './snapshot-argument.js';

/**
 * `snapshot-revert DOMAIN {SNAPSHOTNAME | --current} [--running | --paused] [--force] [--reset-nvram]`.
 * `--force` is applied lazily, as virsh does: the revert is tried without FORCE and retried with it
 * only when the daemon says the revert is risky (VIR_ERR_SNAPSHOT_REVERT_RISKY).
 */
export const snapshotRevertCommand: CommandDefinition = {
  name: 'snapshot-revert',
  group: 'snapshot',
  summary: 'Revert a domain to a snapshot',
  description: 'Revert a domain to a snapshot.',
  options: [
    domainOption(),
    { name: 'snapshotname', type: 'string', help: 'snapshot name' },
    switchOption('current', 'revert to the current snapshot'),
    switchOption('running', 'leave the domain running after reverting'),
    switchOption('paused', 'leave the domain paused after reverting'),
    switchOption('force', 'try harder on risky reverts'),
    switchOption('reset-nvram', 're-initialize NVRAM from its template'),
  ],
  async run({ connection, out }, options) {
    const flags = options.flags({ running: Revert.Running, paused: Revert.Paused, 'reset-nvram': Revert.ResetNvram });
    const force = options.has('force');
    const { domain } = await domainArgument(connection, options);
    const snapshot = await snapshotArgument(domain, options, 'snapshotname', true);
    try {
      try {
        await snapshot.revert(flags);
      } catch (error) {
        if (!(force && VirError.is(error) && error.code === ErrorNumber.SnapshotRevertRisky)) throw error;
        await snapshot.revert(flags | Revert.Force);
      }
    } catch (error) {
      out.error(`Failed to revert snapshot ${snapshot.name}`);
      throw error;
    }
    out.printExtra(`Domain snapshot ${snapshot.name} reverted\n`);
  },
};

/** `snapshot-delete DOMAIN {SNAPSHOTNAME | --current} [--metadata] [--children | --children-only]`. */
export const snapshotDeleteCommand: CommandDefinition = {
  name: 'snapshot-delete',
  group: 'snapshot',
  summary: 'Delete a domain snapshot',
  description: 'Delete a snapshot, and with --children its descendants too.',
  options: [
    domainOption(),
    { name: 'snapshotname', type: 'string', help: 'snapshot name' },
    switchOption('current', 'delete the current snapshot'),
    switchOption('children', 'delete the snapshot and all its descendants'),
    switchOption('children-only', 'delete the descendants but not the snapshot'),
    switchOption('metadata', 'delete only the metadata, leaving the snapshot data behind'),
  ],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options);
    const snapshot = await snapshotArgument(domain, options, 'snapshotname', true);
    const flags = options.flags({ children: Delete.Children, 'children-only': Delete.ChildrenOnly, metadata: Delete.MetadataOnly });
    try {
      await snapshot.delete(flags);
    } catch (error) {
      out.error(`Failed to delete snapshot ${snapshot.name}`);
      throw error;
    }
    out.printExtra(flags & Delete.ChildrenOnly ? `Domain snapshot ${snapshot.name} children deleted\n` : `Domain snapshot ${snapshot.name} deleted\n`);
  },
};
