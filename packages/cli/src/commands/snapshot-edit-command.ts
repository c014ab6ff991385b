// snapshot-edit: the snapshot's XML in $VISUAL or $EDITOR, redefined when it changed, as virsh does.
import { DomainSnapshotCreateFlags as Create, DomainSnapshotXMLFlags } from '@virtwire/client';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { switchOption, type CommandDefinition } from '../shell/command-definition.js';
import { CommandError } from '../shell/shell-errors.js';
import { domainArgument, domainOption } from './domain-argument.js';
import { snapshotArgument } from './snapshot-argument.js';

/** Runs the user's editor on `file` through the shell, as virsh's vshEditFile does. */
function edit(file: string, env: Readonly<Record<string, string | undefined>>): void {
  const editor = env.VISUAL || env.EDITOR || 'vi';
  const run = spawnSync('/bin/sh', ['-c', `${editor} '${file.replaceAll("'", "'\\''")}'`], { stdio: 'inherit', env: { ...env } });
  if (run.status !== 0) throw new CommandError(`${editor}: command failed`);
}

/** `snapshot-edit DOMAIN [SNAPSHOTNAME] [--current]`. */
export const snapshotEditCommand: CommandDefinition = {
  name: 'snapshot-edit',
  group: 'snapshot',
  summary: 'edit XML for a snapshot',
  description: 'Edit the domain snapshot XML for a named snapshot',
  options: [domainOption(), { name: 'snapshotname', type: 'string', help: 'snapshot name' }, switchOption('current', 'also set edited snapshot as current')],
  async run({ connection, out, env }, options) {
    const { domain } = await domainArgument(connection, options);
    const snapshot = await snapshotArgument(domain, options, 'snapshotname', false);
    const before = await snapshot.getXMLDesc(DomainSnapshotXMLFlags.Secure);
    const wasCurrent = options.has('current') || (await snapshot.isCurrent());
    const dir = mkdtempSync(join(tmpdir(), 'vwsh-'));
    try {
      const file = join(dir, `${snapshot.name}.xml`);
      writeFileSync(file, before, { mode: 0o600 });
      edit(file, env);
      const after = readFileSync(file, 'utf8');
      if (after === before) {
        out.printExtra(`Snapshot ${snapshot.name} XML configuration not changed.\n`);
        return;
      }
      const edited = await domain.snapshotCreateXML(after, Create.Redefine | (wasCurrent ? Create.Current : 0));
      out.printExtra(`Snapshot ${edited.name} edited.\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
