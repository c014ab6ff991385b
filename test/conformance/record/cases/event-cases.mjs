// Event sequences to record for the events work: python domainEventRegisterAny for every event id, and `virsh event --all --loop`.
//
// Python cases run their steps on the connection that registered the callbacks (a node file's host
// lives only as long as its connection); the virsh cases run on test:///default, whose host is
// shared while any connection is open, with a second virsh making the changes.

const SNAP = (name) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;
const NEW_DOMAIN =
  "<domain type='test'><name>fresh</name><uuid>a1b2c3d4-0000-4000-8000-0000000000e1</uuid><memory unit='KiB'>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

/** The operations of the brief, in order, on one running domain `name` of a host. */
const tour = (name, uuid) => [
  ['virDomainSuspend', name],
  ['virDomainResume', name],
  ['virDomainSnapshotCreateXML', name, SNAP('e1'), 0],
  ['virDomainSuspend', name],
  ['virDomainRevertToSnapshot', `${name}/e1`, 0],
  ['virDomainSnapshotCreateXML', name, SNAP('e2'), 0],
  ['virDomainDestroyFlags', name, 0],
  ['virDomainRevertToSnapshot', `${name}/e2`, 0],
  ['virDomainRevertToSnapshot', `${name}/e1`, 2],
  ['virDomainSnapshotDelete', `${name}/e1`, 0],
  ['virDomainDestroyFlags', name, 0],
  ['virDomainCreateWithFlags', name, 0],
  ['virDomainReboot', name, 0],
  ['virDomainReset', name, 0],
  ['virDomainShutdownFlags', name, 0],
  ['virDomainCreateWithFlags', name, 1],
  ['virDomainCreateWithFlags', name, 0],
  ['virDomainSnapshotCreateXML', name, SNAP('e3'), 8],
  ['virDomainCreateWithFlags', name, 0],
  ['virDomainDefineXMLFlags', '', NEW_DOMAIN, 0],
  ['virDomainCreateWithFlags', 'fresh', 0],
  ['virDomainUndefineFlags', 'fresh', 0],
  ['virDomainDestroyFlags', 'fresh', 0],
  ['virDomainDefineXMLFlags', '', NEW_DOMAIN, 0],
  ['virDomainUndefineFlags', 'fresh', 0],
  ['virDomainSnapshotDelete', `${name}/e2`, 2],
  ['virDomainUndefineFlags', name, 1 << 1],
  ['virDomainDestroyFlags', name, 0],
  ['virDomainLookupByUUIDString', '', uuid],
];

export const pythonEventCases = [
  { id: 'default/tour', host: 'default', steps: tour('test', '6695eb01-f6a4-8304-79aa-97f2502e193f') },
  { id: 'lifecycle/tour', host: 'lifecycle.xml', steps: tour('one', '5d1c3b2a-0f4e-4a6b-9c8d-7e6f5a4b3c21') },
  {
    id: 'lifecycle/other-domains',
    host: 'lifecycle.xml',
    steps: [
      ['virDomainCreateWithFlags', 'off', 0],
      ['virDomainDestroyFlags', 'fleeting', 0],
      ['virDomainRevertToSnapshot', 'legacy/old', 0],
      ['virDomainSnapshotDelete', 'legacy/old', 1],
      ['virDomainSuspend', 'two'],
      ['virDomainShutdownFlags', 'two', 0],
    ],
  },
];

/** virsh command lines run by a second virsh while `virsh event --all --loop` listens on test:///default. */
export const virshEventCases = [
  {
    id: 'default/virsh-event-tour',
    commands: [
      'suspend test',
      'resume test',
      'snapshot-create-as test e1',
      'snapshot-revert test e1',
      'snapshot-delete test e1',
      'destroy test',
      'start test',
      'reboot test',
      'reset test',
      'shutdown test',
      'start test --paused',
      'start test',
      'snapshot-create-as test e2 --halt',
      'define @FILES@/fresh.xml',
      'start fresh',
      'undefine fresh',
      'destroy fresh',
      'define @FILES@/fresh.xml',
      'undefine fresh',
    ],
    files: { 'fresh.xml': NEW_DOMAIN },
  },
];
