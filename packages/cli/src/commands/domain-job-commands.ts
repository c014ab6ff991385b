// domjobinfo and domjobabort: a domain's running or last completed job, and cancelling it, as virsh prints them.
import { DomainGetJobStatsFlags, DomainJobField, ErrorDomain, ErrorNumber, VirError } from '@virtwire/client';
import { type CommandDefinition, switchOption } from '../shell/command-definition.js';
import { CommandError } from '../shell/shell-errors.js';
import { prettyCapacity } from '../format/pretty-capacity.js';
import { domainArgument, domainOption } from './domain-argument.js';

/** virsh's names of `virDomainJobType` values, by number. */
const JOB_TYPES = ['None', 'Bounded', 'Unbounded', 'Completed', 'Failed', 'Cancelled'];
/** virsh's names of `virDomainJobOperation` values, by number. */
const JOB_OPERATIONS = [
  'Unknown',
  'Start',
  'Save',
  'Restore',
  'Incoming migration',
  'Outgoing migration',
  'Snapshot',
  'Snapshot revert',
  'Dump',
  'Backup',
  'Snapshot delete',
];
/** `virDomainJobType` numbers virsh prints statistics for. */
const BOUNDED = 1;
const UNBOUNDED = 2;
const COMPLETED = 3;

/** The byte counts virsh's domjobinfo prints, in its order (that of virsh 9.0's strings), each only when the job reports it. */
const DATA_LINES: readonly (readonly [string, string])[] = [
  [DomainJobField.DataProcessed, 'Data processed:'],
  [DomainJobField.DataRemaining, 'Data remaining:'],
  [DomainJobField.DataTotal, 'Data total:'],
  [DomainJobField.MemoryProcessed, 'Memory processed:'],
  [DomainJobField.MemoryRemaining, 'Memory remaining:'],
  [DomainJobField.MemoryTotal, 'Memory total:'],
];

/** A label and a value in virsh's `%-17s %-12s` columns. */
const column = (label: string, value: string) => `${label.padEnd(17)} ${value.padEnd(12)}`;

/** A typed parameter's value as virsh's `--rawstats` prints it (virTypedParameterToString: booleans as yes/no). */
const rawValue = (value: number | boolean | string) => (typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value));

/** `domjobinfo DOMAIN [--completed] [--keep-completed] [--anystats] [--rawstats]` (virDomainGetJobStats). */
export const domjobinfoCommand: CommandDefinition = {
  name: 'domjobinfo',
  group: 'domain',
  summary: 'domain job information',
  description: 'Returns information about jobs running on a domain.',
  options: [
    domainOption(),
    switchOption('completed', 'return statistics of a recently completed job'),
    switchOption('keep-completed', "don't destroy statistics of a recently completed job when reading"),
    switchOption('anystats', 'print statistics for any kind of job (even failed ones)'),
    switchOption('rawstats', 'print the raw data returned by libvirt'),
  ],
  async run({ connection, out }, options) {
    if (options.has('keep-completed') && !options.has('completed')) throw new CommandError('Option --completed is required by option --keep-completed');
    const flags = options.flags({ completed: DomainGetJobStatsFlags.Completed, 'keep-completed': DomainGetJobStatsFlags.KeepCompleted });
    const { domain } = await domainArgument(connection, options);
    const { type, params } = await connection.call('DomainGetJobStats', { domain: domain.ref, flags });
    if (options.has('rawstats')) {
      out.print(`Job type: ${type}\n\n`);
      for (const [field, value] of Object.entries(params)) out.print(`${field}: ${rawValue(value)}\n`);
      return;
    }
    const operation = params[DomainJobField.Operation];
    out.print(`${column('Job type:', JOB_TYPES[type] ?? 'unknown')}\n`);
    out.print(`${column('Operation:', JOB_OPERATIONS[typeof operation === 'number' ? operation : 0] ?? 'unknown')}\n`);
    const shown = type === BOUNDED || type === UNBOUNDED || ((flags & DomainGetJobStatsFlags.Completed) !== 0 && type === COMPLETED);
    if (!options.has('anystats') && !shown) return;
    const elapsed = params[DomainJobField.TimeElapsed];
    out.print(`${column('Time elapsed:', String(typeof elapsed === 'number' ? elapsed : 0))} ms\n`);
    for (const [field, label] of DATA_LINES) {
      const bytes = params[field];
      if (typeof bytes === 'number') out.print(`${label.padEnd(17)} ${prettyCapacity(bytes)}\n`); // virsh: %-17s %-.3lf %s
    }
    const errmsg = params[DomainJobField.ErrorMessage];
    if (typeof errmsg === 'string') out.print(`${'Error message:'.padEnd(17)} ${errmsg}\n`);
  },
};

/** `domjobabort DOMAIN [--postcopy]` (virDomainAbortJob; virtwire has no virDomainAbortJobFlags). */
export const domjobabortCommand: CommandDefinition = {
  name: 'domjobabort',
  group: 'domain',
  summary: 'abort active domain job',
  description: 'Aborts the currently running domain job',
  options: [domainOption(), switchOption('postcopy', 'interrupt post-copy migration')],
  async run({ connection }, options) {
    const { domain } = await domainArgument(connection, options);
    if (options.has('postcopy')) throw VirError.report(ErrorNumber.NoSupport, ErrorDomain.Domain, 'virDomainAbortJobFlags');
    await connection.call('DomainAbortJob', { domain: domain.ref });
  },
};
