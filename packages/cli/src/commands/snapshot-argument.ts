// Resolves {SNAPSHOTNAME | --current} into a snapshot, as virsh's virshLookupSnapshot does.
import type { Domain, DomainSnapshot } from '@virtwire/client';
import type { ParsedOptions } from '../shell/parsed-options.js';
import { CommandError } from '../shell/shell-errors.js';

/**
 * The snapshot named by option `argument`, or the current one with `--current`. With `exclusive`,
 * giving both is an error (`--ARG and --current are mutually exclusive`); giving neither always is
 * (`--ARG or --current is required`). Lookup failures are the daemon's errors.
 */
export async function snapshotArgument(domain: Domain, options: ParsedOptions, argument: string, exclusive: boolean): Promise<DomainSnapshot> {
  const current = options.has('current');
  const name = options.string(argument);
  if (exclusive && current && name !== undefined) throw new CommandError(`--${argument} and --current are mutually exclusive`);
  if (name !== undefined) return domain.snapshotLookupByName(name);
  if (current) return domain.snapshotCurrent();
  throw new CommandError(`--${argument} or --current is required`);
}
