// Random sequences of libvirt calls on the test driver's hosts (fast-check arbitraries): snapshots made, redefined, reverted and deleted among lifecycle changes and reads.
import fc from 'fast-check';
import type { RawStep } from '../replay/corpus.js';

/** A host of the corpus and the domains the sequences act on (see test/fixtures/nodes). */
interface FuzzHost {
  host: string;
  domains: readonly string[];
}

const HOSTS: readonly FuzzHost[] = [
  { host: 'default', domains: ['test'] },
  { host: 'lifecycle.xml', domains: ['one', 'off', 'legacy'] },
  { host: 'two-disks.xml', domains: ['vm2', 'off2'] },
];

/** The uuid of each domain the sequences act on (test:///default's and the node files'). */
const UUIDS: Readonly<Record<string, string>> = {
  test: '6695eb01-f6a4-8304-79aa-97f2502e193f',
  one: '5d1c3b2a-0f4e-4a6b-9c8d-7e6f5a4b3c21',
  off: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
  legacy: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9',
  vm2: '2b6c4f1e-9a0d-4c51-8a77-1d3c2e5f6a70',
  off2: '8f0e2d4c-6b1a-4e3f-9d5c-7a8b9c0d1e2f',
};

/** A `<domain>` for `name`: its own uuid or another, and memory, vCPUs and disks that change its ABI or not. */
const domainXml = (name: string) =>
  fc
    .record({
      uuid: fc.constantFrom(UUIDS[name]!, UUIDS[name]!, UUIDS[name]!, '11111111-2222-4333-8444-555555555555'),
      memory: fc.constantFrom(1048576, 2097152),
      vcpus: fc.constantFrom(1, 2),
      disks: fc.constantFrom(['vda'], ['vda'], ['vda', 'vdb'], ['vdb']),
    })
    .map(
      (d) =>
        `<domain type='test'><name>${name}</name><uuid>${d.uuid}</uuid><memory>${d.memory}</memory><vcpu>${d.vcpus}</vcpu><os><type>hvm</type></os><devices>` +
        d.disks.map((t) => `<disk type='file' device='disk'><source file='/guest/${name}-${t}'/><target dev='${t}' bus='virtio'/></disk>`).join('') +
        '</devices></domain>',
    );

/** Snapshot names the sequences use, two of them the lifecycle host's own. */
const SNAPSHOT_NAMES = ['a', 'b', 'c', 'old', 'newer'] as const;

/** A bit set drawn from `bits`, each bit in one draw of two; now and then one bit past them or the top bit. */
const flagsOf = (bits: readonly number[], invalid: readonly number[] = [1 << 30]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.subarray([...bits]).map((chosen) => chosen.reduce((a, b) => a | b, 0)) },
    { weight: 1, arbitrary: fc.constantFrom(...invalid) },
  );

/** virDomainSnapshotCreateFlags, without the ones libvirt's test driver refuses and virtwire's makes (a documented superset). */
const CREATE_FLAGS = flagsOf([1, 2, 8, 64, 128, 256, 512], [4, 16, 32, 1024]);
/** virDomainSnapshotListFlags: every bit libvirt 9.0 has, then one past. */
const LIST_FLAGS = flagsOf([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], [2048]);
const DELETE_FLAGS = flagsOf([1, 2, 4], [8]);
const REVERT_FLAGS = flagsOf([1, 2, 4], [8, 16]);
const XML_FLAGS = flagsOf([1], [2]);

const text = fc.constantFrom('', 'x', 'two words', '<&>', 'a'.repeat(40));

/** A `<domainsnapshot>` document: a name (or none), and each of its other parts or not. */
const snapshotXml = (names: fc.Arbitrary<string>, domain: fc.Arbitrary<string>) =>
  fc
    .record(
      {
        domain: domain.chain(domainXml),
        name: names,
        description: text,
        state: fc.constantFrom('running', 'shutoff', 'paused', 'disk-snapshot', 'bogus'),
        parent: names,
        creationTime: fc.constantFrom('1', '1700000000', '-5', 'soon'),
        memory: fc.constantFrom(
          "<memory snapshot='no'/>",
          "<memory snapshot='internal'/>",
          "<memory snapshot='bogus'/>",
          "<memory snapshot='external' file='/guest/mem.save'/>",
          "<memory snapshot='external'/>",
          "<memory snapshot='no' file='/guest/mem.save'/>",
        ),
        disks: fc.constantFrom(
          "<disks><disk name='vda' snapshot='internal'/></disks>",
          "<disks><disk name='vda' snapshot='no'/></disks>",
          "<disks><disk name='vdz' snapshot='internal'/></disks>",
          "<disks><disk name='vda' snapshot='internal'/><disk name='vda' snapshot='internal'/></disks>",
          "<disks><disk name='vda' snapshot='external'><source file='/guest/vda.overlay'/></disk></disks>",
          "<disks><disk name='vda' snapshot='manual'/></disks>",
          "<disks><disk name='vda'/><disk name='vdb' snapshot='no'/></disks>",
          '<disks/>',
        ),
      },
      { requiredKeys: [] },
    )
    .map((parts) => {
      const inner = [
        parts.name !== undefined ? `<name>${parts.name}</name>` : '',
        parts.description !== undefined ? `<description>${parts.description.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</description>` : '',
        parts.state !== undefined ? `<state>${parts.state}</state>` : '',
        parts.parent !== undefined ? `<parent><name>${parts.parent}</name></parent>` : '',
        parts.creationTime !== undefined ? `<creationTime>${parts.creationTime}</creationTime>` : '',
        parts.memory ?? '',
        parts.disks ?? '',
        parts.domain ?? '',
      ];
      return `<domainsnapshot>${inner.join('')}</domainsnapshot>`;
    });

/** One step on one of `domains`. */
function stepOn(domains: readonly string[]): fc.Arbitrary<RawStep> {
  const domain = fc.constantFrom(...domains);
  const snapshotName = fc.constantFrom(...SNAPSHOT_NAMES);
  const snapshot = fc.tuple(domain, snapshotName).map(([d, s]) => `${d}/${s}`);
  const step = <A extends unknown[]>(op: string, target: fc.Arbitrary<string>, ...args: { [K in keyof A]: fc.Arbitrary<A[K]> }) =>
    fc.tuple(target, ...args).map(([t, ...rest]) => [op, t, ...rest] as RawStep);
  return fc.oneof(
    { weight: 8, arbitrary: domain.chain((d) => step('virDomainSnapshotCreateXML', fc.constant(d), snapshotXml(snapshotName, fc.constant(d)), CREATE_FLAGS)) },
    { weight: 2, arbitrary: domain.chain((d) => step('virDomainDefineXMLFlags', fc.constant(''), domainXml(d), flagsOf([1], [2]))) },
    { weight: 3, arbitrary: step('virDomainSnapshotDelete', snapshot, DELETE_FLAGS) },
    { weight: 3, arbitrary: step('virDomainRevertToSnapshot', snapshot, REVERT_FLAGS) },
    { weight: 2, arbitrary: step('virDomainListAllSnapshots', domain, LIST_FLAGS) },
    { weight: 1, arbitrary: step('virDomainSnapshotNum', domain, LIST_FLAGS) },
    { weight: 2, arbitrary: step('virDomainSnapshotListAllChildren', snapshot, LIST_FLAGS) },
    { weight: 1, arbitrary: step('virDomainSnapshotNumChildren', snapshot, LIST_FLAGS) },
    { weight: 1, arbitrary: step('virDomainSnapshotGetParent', snapshot, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainSnapshotGetXMLDesc', snapshot, XML_FLAGS) },
    { weight: 1, arbitrary: step('virDomainSnapshotIsCurrent', snapshot, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainSnapshotHasMetadata', snapshot, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainSnapshotCurrent', domain, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainHasCurrentSnapshot', domain, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainDestroyFlags', domain, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainCreateWithFlags', domain, flagsOf([1], [2])) },
    { weight: 1, arbitrary: step('virDomainSuspend', domain) },
    { weight: 1, arbitrary: step('virDomainResume', domain) },
    { weight: 1, arbitrary: step('virDomainShutdownFlags', domain, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainUndefineFlags', domain, flagsOf([1, 2, 4, 8, 16], [32])) },
    { weight: 1, arbitrary: step('virDomainGetState', domain, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainGetXMLDesc', domain, flagsOf([1, 2, 4, 8], [16])) },
    { weight: 1, arbitrary: step('virDomainSnapshotLookupByName', domain, snapshotName, flagsOf([], [1])) },
    {
      weight: 1,
      arbitrary: step('virConnectListAllDomains', fc.constant(''), flagsOf([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192], [16384])),
    },
    { weight: 1, arbitrary: step('virDomainReboot', domain, fc.constant(0)) },
    { weight: 1, arbitrary: step('virDomainReset', domain, fc.constant(0)) },
  );
}

/** What every sequence ends with: each domain's state, snapshots, current snapshot and the snapshots' XML. */
function readBack(domains: readonly string[]): RawStep[] {
  return domains.flatMap((d): RawStep[] => [
    ['virDomainGetState', d, 0],
    ['virDomainGetXMLDesc', d, 2],
    ['virDomainListAllSnapshots', d, 0],
    ['virDomainSnapshotCurrent', d, 0],
    ...SNAPSHOT_NAMES.flatMap((s): RawStep[] => [
      ['virDomainSnapshotGetXMLDesc', `${d}/${s}`, 0],
      ['virDomainSnapshotGetParent', `${d}/${s}`, 0],
    ]),
  ]);
}

/** One generated case: a host, random steps, then the read-back. */
export interface FuzzCase {
  id: string;
  host: string;
  steps: RawStep[];
  /** How many of `steps` are random (the rest is the read-back). */
  random: number;
}

/** `count` cases from `seed`: the same seed gives the same cases. */
export function callSequences(seed: number, count: number): FuzzCase[] {
  const caseArbitrary = fc
    .constantFrom(...HOSTS)
    .chain((h) => fc.array(stepOn(h.domains), { minLength: 1, maxLength: 12 }).map((steps) => ({ host: h.host, domains: h.domains, steps })));
  return fc.sample(caseArbitrary, { seed, numRuns: count }).map((c, i) => ({
    id: `fuzz-${seed}-${i}`,
    host: c.host,
    steps: [...c.steps, ...readBack(c.domains)],
    random: c.steps.length,
  }));
}
