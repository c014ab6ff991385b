// Random virsh command chains (`cmd ; cmd ; ...`, fast-check arbitraries) on the test driver's hosts: snapshot commands with their options among lifecycle commands and reads.
import fc from 'fast-check';

/** A host of the corpus and the domains the chains act on (see test/fixtures/nodes). */
const HOSTS = [
  { host: 'default', domains: ['test'] },
  { host: 'lifecycle.xml', domains: ['one', 'off', 'legacy'] },
  { host: 'two-disks.xml', domains: ['vm2', 'off2'] },
] as const;

const SNAPSHOT_NAMES = ['a', 'b', 'c', 'old', 'newer'] as const;

/** Some of `options`, in a random order. */
const someOf = (options: readonly string[]) => fc.shuffledSubarray([...options]).map((chosen) => chosen.join(' '));

/** One command on one of `domains`. */
function commandOn(domains: readonly string[]): fc.Arbitrary<string> {
  // Now and then a domain or snapshot that does not exist, or an id, a uuid, an empty name.
  const d = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...domains) },
    { weight: 1, arbitrary: fc.constantFrom('nosuch', '1', '99', "''", '6695eb01-f6a4-8304-79aa-97f2502e193f') },
  );
  const s = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...SNAPSHOT_NAMES) }, { weight: 1, arbitrary: fc.constantFrom('nosuch', "''", '"two words"') });
  const cmd = (...parts: fc.Arbitrary<string>[]) => fc.tuple(...parts).map((p) => p.filter((x) => x !== '').join(' '));
  const word = (text: string) => fc.constant(text);
  const maybe = (a: fc.Arbitrary<string>) => fc.oneof(fc.constant(''), a);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: cmd(
        word('snapshot-create-as'),
        d,
        // Always named: a generated name is the second of creation, which two creates in one second share on one side only.
        s,
        maybe(fc.constantFrom('--description "two words"', '--description x')),
        someOf(['--atomic', '--halt', '--live', '--print-xml', '--quiesce']),
        // libvirt's test driver refuses these flags, virtwire's honours them (a documented superset): now and then.
        fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('--disk-only', '--no-metadata', '--reuse-external') }),
        maybe(fc.constantFrom('--memspec snapshot=no', '--memspec file=/guest/m.save,snapshot=external', '--diskspec vda,snapshot=no', '--diskspec vdz')),
      ),
    },
    {
      weight: 3,
      arbitrary: cmd(
        word('snapshot-list'),
        d,
        someOf([
          '--parent',
          '--roots',
          '--leaves',
          '--no-leaves',
          '--tree',
          '--name',
          '--descendants',
          '--metadata',
          '--no-metadata',
          '--inactive',
          '--active',
          '--disk-only',
          '--internal',
          '--external',
          '--topological',
        ]),
        maybe(
          fc.oneof(
            s.map((n) => `--from ${n}`),
            fc.constant('--current'),
          ),
        ),
      ),
    },
    { weight: 1, arbitrary: cmd(word('snapshot-info'), d, fc.oneof(s, fc.constant('--current'))) },
    { weight: 1, arbitrary: cmd(word('snapshot-dumpxml'), d, s, maybe(word('--security-info'))) },
    { weight: 1, arbitrary: cmd(word('snapshot-parent'), d, fc.oneof(s, fc.constant('--current'))) },
    { weight: 1, arbitrary: cmd(word('snapshot-current'), d, fc.oneof(fc.constant('--name'), fc.constant(''), s)) },
    {
      weight: 2,
      arbitrary: cmd(word('snapshot-revert'), d, fc.oneof(s, fc.constant('--current')), someOf(['--running', '--paused', '--force'])),
    },
    {
      weight: 2,
      arbitrary: cmd(word('snapshot-delete'), d, fc.oneof(s, fc.constant('--current')), someOf(['--children', '--children-only', '--metadata'])),
    },
    {
      weight: 2,
      arbitrary: cmd(
        word('list'),
        someOf([
          '--all',
          '--inactive',
          '--name',
          '--uuid',
          '--table',
          '--with-snapshot',
          '--without-snapshot',
          '--state-running',
          '--state-shutoff',
          '--persistent',
          '--transient',
        ]),
      ),
    },
    { weight: 1, arbitrary: cmd(fc.constantFrom('dominfo', 'domstate', 'domstate --reason', 'domid', 'domuuid'), d) },
    { weight: 2, arbitrary: cmd(fc.constantFrom('start', 'start --paused', 'destroy', 'suspend', 'resume', 'shutdown', 'reboot', 'reset'), d) },
    { weight: 1, arbitrary: cmd(word('dumpxml'), d, someOf(['--inactive', '--security-info'])) },
    // Options virsh does not know, repeated or missing arguments.
    {
      weight: 1,
      arbitrary: cmd(
        fc.constantFrom(
          'snapshot-list',
          'snapshot-info',
          'snapshot-revert',
          'snapshot-delete',
          'snapshot-create-as',
          'snapshot-current',
          'snapshot-parent',
          'dominfo',
        ),
        maybe(d),
        fc.constantFrom('--bogus', '--name --name', '--from', '--current --current', '--children --children', '--running --paused', '-x', '--'),
      ),
    },
  );
}

/** One generated chain: a host and its commands (each followed by a marker when run). */
export interface VirshChain {
  id: string;
  host: string;
  commands: string[];
}

/** `count` chains from `seed`: the same seed gives the same chains. */
export function virshChains(seed: number, count: number): VirshChain[] {
  const chain = fc
    .constantFrom(...HOSTS)
    .chain((h) => fc.array(commandOn(h.domains), { minLength: 1, maxLength: 8 }).map((commands) => ({ host: h.host, commands })));
  return fc.sample(chain, { seed, numRuns: count }).map((c, i) => ({ id: `virsh-${seed}-${i}`, ...c }));
}

/** The chain as one argument: each command followed by `echo @@N@@`, so that each command's output can be told apart. */
export const chainArgument = (c: VirshChain): string => c.commands.map((command, i) => `${command} ; echo @@${i}@@`).join(' ; ');
