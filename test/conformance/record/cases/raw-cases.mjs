// The raw-flag calls to record through python3-libvirt: each case opens its own connection and runs its steps.
//
// A step is [op, target, ...args]: op is a libvirt C function name (see libvirt-calls.py for the
// list), target '' (the connection), a domain name, or 'domain/snapshot'. Flags are given as
// numbers, every bit a libvirt 9.0 client can send, valid or not.

const SNAP = (name, extra = '') => `<domainsnapshot><name>${name}</name>${extra}</domainsnapshot>`;
const bits = (count) => Array.from({ length: count }, (_, i) => 2 ** i);
/** Every single bit up to `count`, one past the last valid one, and the top bit. */
const sweep = (count) => [0, ...bits(count + 1), 2 ** 31];

const cases = [];
const add = (host, id, steps) => cases.push({ id, host, steps });

const TREE = [
  ['virDomainSnapshotCreateXML', 'test', SNAP('a'), 0],
  ['virDomainSnapshotCreateXML', 'test', SNAP('b'), 0],
  ['virDomainRevertToSnapshot', 'test/a', 0],
  ['virDomainSnapshotCreateXML', 'test', SNAP('c'), 0],
];

// Connection.
add('default', 'conn/uri', [['virConnectGetURI', '']]);
add('default', 'conn/hostname', [['virConnectGetHostname', '']]);
add('default', 'conn/version', [['virConnectGetVersion', '']]);
add('default', 'conn/type', [['virConnectGetType', '']]);
add('default', 'conn/capabilities', [['virConnectGetCapabilities', '']]);
for (const flags of [...sweep(14), 1 | 2, 4 | 8, 16 | 32, 64 | 128, 256 | 512, 1024 | 2048, 4096 | 8192, 1 | 16]) {
  add('default', `conn/list-all/${flags}`, [['virConnectListAllDomains', '', flags]]);
  add('lifecycle.xml', `lifecycle/list-all/${flags}`, [['virConnectListAllDomains', '', flags]]);
}

// Lookups.
add('default', 'lookup/name', [['virDomainLookupByName', '', 'test']]);
add('default', 'lookup/name-missing', [['virDomainLookupByName', '', 'nosuch']]);
add('default', 'lookup/name-empty', [['virDomainLookupByName', '', '']]);
add('default', 'lookup/uuid', [['virDomainLookupByUUIDString', '', '6695eb01-f6a4-8304-79aa-97f2502e193f']]);
add('default', 'lookup/uuid-missing', [['virDomainLookupByUUIDString', '', '11111111-2222-3333-4444-555555555555']]);
add('default', 'lookup/uuid-malformed', [['virDomainLookupByUUIDString', '', 'not-a-uuid']]);
add('default', 'lookup/id', [['virDomainLookupByID', '', 1]]);
add('default', 'lookup/id-missing', [['virDomainLookupByID', '', 7]]);
add('default', 'lookup/id-negative', [['virDomainLookupByID', '', -1]]);
add('lifecycle.xml', 'lifecycle/lookup/off-id', [['virDomainLookupByName', '', 'off']]);
add('lifecycle.xml', 'lifecycle/lookup/id-4', [['virDomainLookupByID', '', 4]]);
add('lifecycle.xml', 'lifecycle/lookup/missing', [['virDomainLookupByName', '', 'nosuch']]);

// Domain reads with every flag bit.
for (const flags of [...sweep(9), 1 | 2, 2 | 4, 1 | 2 | 4 | 8]) {
  add('default', `xml/test/${flags}`, [['virDomainGetXMLDesc', 'test', flags]]);
  add('lifecycle.xml', `lifecycle/xml/legacy/${flags}`, [['virDomainGetXMLDesc', 'legacy', flags]]);
  add('everyday.xml', `everyday/xml/rich/${flags}`, [['virDomainGetXMLDesc', 'rich', flags]]);
}
for (const flags of [0, 1, 2, 2 ** 31]) add('default', `state/test/${flags}`, [['virDomainGetState', 'test', flags]]);
for (const [host, name] of [
  ['lifecycle.xml', 'one'],
  ['lifecycle.xml', 'off'],
  ['everyday.xml', 'paused'],
  ['default', 'test'],
]) {
  const h = host.replace(/\.xml$/, '');
  add(host, `${h}/state/${name}`, [['virDomainGetState', name, 0]]);
  add(host, `${h}/info/${name}`, [['virDomainGetInfo', name]]);
  add(host, `${h}/active/${name}`, [
    ['virDomainIsActive', name],
    ['virDomainIsPersistent', name],
  ]);
}
add('lifecycle.xml', 'lifecycle/persistent/fleeting', [['virDomainIsPersistent', 'fleeting']]);

// Lifecycle with flags.
for (const flags of sweep(4)) {
  add('default', `destroy/${flags}`, [
    ['virDomainDestroyFlags', 'test', flags],
    ['virDomainGetState', 'test', 0],
  ]);
  add('default', `shutdown/${flags}`, [
    ['virDomainShutdownFlags', 'test', flags],
    ['virDomainGetState', 'test', 0],
  ]);
  add('default', `create/${flags}`, [
    ['virDomainDestroyFlags', 'test', 0],
    ['virDomainCreateWithFlags', 'test', flags],
    ['virDomainGetState', 'test', 0],
  ]);
}
for (const flags of sweep(7)) {
  add('default', `undefine/${flags}`, [
    ['virDomainDestroyFlags', 'test', 0],
    ['virDomainUndefineFlags', 'test', flags],
    ['virConnectListAllDomains', '', 0],
  ]);
}
add('default', 'undefine/running', [
  ['virDomainUndefineFlags', 'test', 0],
  ['virDomainIsPersistent', 'test'],
  ['virDomainGetState', 'test', 0],
]);
add('default', 'undefine/with-snapshots', [...TREE, ['virDomainDestroyFlags', 'test', 0], ['virDomainUndefineFlags', 'test', 0]]);
add('default', 'undefine/with-snapshots-metadata', [
  ...TREE,
  ['virDomainDestroyFlags', 'test', 0],
  ['virDomainUndefineFlags', 'test', 2],
  ['virConnectListAllDomains', '', 0],
]);
add('default', 'suspend/twice', [
  ['virDomainSuspend', 'test'],
  ['virDomainGetState', 'test', 0],
  ['virDomainSuspend', 'test'],
]);
add('default', 'resume/running', [['virDomainResume', 'test']]);
add('default', 'resume/off', [
  ['virDomainDestroyFlags', 'test', 0],
  ['virDomainResume', 'test'],
]);
add('default', 'suspend/off', [
  ['virDomainDestroyFlags', 'test', 0],
  ['virDomainSuspend', 'test'],
]);
add('default', 'create/running', [['virDomainCreateWithFlags', 'test', 0]]);
add('default', 'destroy/off', [
  ['virDomainDestroyFlags', 'test', 0],
  ['virDomainDestroyFlags', 'test', 0],
]);
add('lifecycle.xml', 'lifecycle/destroy/fleeting', [
  ['virDomainDestroyFlags', 'fleeting', 0],
  ['virDomainLookupByName', '', 'fleeting'],
]);
add('lifecycle.xml', 'lifecycle/create/off', [
  ['virDomainCreateWithFlags', 'off', 0],
  ['virDomainGetState', 'off', 0],
  ['virDomainLookupByName', '', 'off'],
]);
add('lifecycle.xml', 'lifecycle/shutdown/one', [
  ['virDomainShutdownFlags', 'one', 0],
  ['virDomainGetState', 'one', 0],
]);

// Define.
const DOMAIN = (name, extra = '') =>
  `<domain type='test'><name>${name}</name><memory unit='KiB'>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os>${extra}</domain>`;
for (const flags of sweep(2))
  add('default', `define/${flags}`, [['virDomainDefineXMLFlags', '', DOMAIN('fresh', '<uuid>a1b2c3d4-0000-4000-8000-000000000011</uuid>'), flags]]);
add('default', 'define/validate-bad', [['virDomainDefineXMLFlags', '', DOMAIN('fresh', '<nonsense/>'), 1]]);
add('default', 'define/validate-bad-disk', [
  ['virDomainDefineXMLFlags', '', DOMAIN('fresh', "<devices><disk type='file'><target dev='vda'/><nonsense/></disk></devices>"), 1],
]);
add('default', 'define/empty', [['virDomainDefineXMLFlags', '', '', 0]]);
add('default', 'define/garbage', [['virDomainDefineXMLFlags', '', 'garbage', 0]]);
add('default', 'define/premature', [['virDomainDefineXMLFlags', '', "<domain type='test'>\n<name>x</name>\n", 0]]);
add('default', 'define/mismatch', [['virDomainDefineXMLFlags', '', "<domain type='test'>\n<name>x</nme>\n</domain>", 0]]);
add('default', 'define/wrong-root', [['virDomainDefineXMLFlags', '', '<domainsnapshot/>', 0]]);
add('default', 'define/no-name', [['virDomainDefineXMLFlags', '', "<domain type='test'><memory>1</memory></domain>", 0]]);
add('default', 'define/unit-unknown', [['virDomainDefineXMLFlags', '', DOMAIN('x').replace("unit='KiB'", "unit='parsec'"), 0]]);
add('default', 'define/unit-proto', [['virDomainDefineXMLFlags', '', DOMAIN('x').replace("unit='KiB'", "unit='constructor'"), 0]]);
add('default', 'define/unit-proto2', [['virDomainDefineXMLFlags', '', DOMAIN('x').replace("unit='KiB'", "unit='__proto__'"), 0]]);
add('default', 'define/duplicate-name', [['virDomainDefineXMLFlags', '', DOMAIN('test', '<uuid>a1b2c3d4-0000-4000-8000-000000000012</uuid>'), 0]]);
add('default', 'define/duplicate-target', [
  [
    'virDomainDefineXMLFlags',
    '',
    DOMAIN(
      'x',
      "<devices><disk type='file'><source file='/a'/><target dev='vda'/></disk><disk type='file'><source file='/b'/><target dev='vda'/></disk></devices>",
    ),
    0,
  ],
]);
add('default', 'define/no-target', [['virDomainDefineXMLFlags', '', DOMAIN('x', "<devices><disk type='file'><source file='/a'/></disk></devices>"), 0]]);

// Snapshot create with every flag bit, in three starting states.
for (const flags of [...sweep(10), 16 | 128, 16 | 64, 16 | 1, 1 | 2, 4 | 128, 16 | 32, 128 | 256, 16 | 128 | 32]) {
  add('default', `snap-create/running/${flags}`, [
    ['virDomainSnapshotCreateXML', 'test', SNAP('s1'), flags],
    ['virDomainGetState', 'test', 0],
    ['virDomainListAllSnapshots', 'test', 0],
  ]);
  add('default', `snap-create/off/${flags}`, [
    ['virDomainDestroyFlags', 'test', 0],
    ['virDomainSnapshotCreateXML', 'test', SNAP('s1'), flags],
    ['virDomainGetState', 'test', 0],
  ]);
  add('lifecycle.xml', `lifecycle/snap-create/one/${flags}`, [
    ['virDomainSnapshotCreateXML', 'one', SNAP('s1'), flags],
    ['virDomainGetState', 'one', 0],
  ]);
}
add('default', 'snap-create/redefine', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('r', '<state>running</state><creationTime>1300000000</creationTime>'), 1],
  ['virDomainSnapshotGetXMLDesc', 'test/r', 0],
]);
add('default', 'snap-create/redefine-current', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('r', '<state>shutoff</state>'), 3],
  ['virDomainSnapshotCurrent', 'test', 0],
]);
add('default', 'snap-create/redefine-no-state', [['virDomainSnapshotCreateXML', 'test', SNAP('r'), 1]]);
add('default', 'snap-create/redefine-bad-state', [['virDomainSnapshotCreateXML', 'test', SNAP('r', '<state>bogus</state>'), 1]]);
add('default', 'snap-create/empty-xml', [['virDomainSnapshotCreateXML', 'test', '', 0]]);
add('default', 'snap-create/garbage', [['virDomainSnapshotCreateXML', 'test', 'garbage', 0]]);
add('default', 'snap-create/premature', [['virDomainSnapshotCreateXML', 'test', '<domainsnapshot>\n  <name>s1</name>\n', 0]]);
add('default', 'snap-create/mismatch', [['virDomainSnapshotCreateXML', 'test', '<domainsnapshot>\n  <name>s1</nam>\n</domainsnapshot>', 0]]);
add('default', 'snap-create/bad-entity', [['virDomainSnapshotCreateXML', 'test', '<domainsnapshot><name>&nope;</name></domainsnapshot>', 0]]);
add('default', 'snap-create/attr-unquoted', [['virDomainSnapshotCreateXML', 'test', '<domainsnapshot><disks><disk name=vda/></disks></domainsnapshot>', 0]]);
add('default', 'snap-create/only-whitespace', [['virDomainSnapshotCreateXML', 'test', '   \n  ', 0]]);
add('default', 'snap-create/decl-only', [['virDomainSnapshotCreateXML', 'test', '<?xml version="1.0"?>', 0]]);
add('default', 'snap-create/doctype', [
  ['virDomainSnapshotCreateXML', 'test', '<!DOCTYPE x [<!ENTITY a "b">]><domainsnapshot><name>&a;</name></domainsnapshot>', 0],
]);
add('default', 'snap-create/wrong-root', [['virDomainSnapshotCreateXML', 'test', '<domain/>', 0]]);
add('default', 'snap-create/ns-root', [['virDomainSnapshotCreateXML', 'test', "<x:domainsnapshot xmlns:x='urn:x'/>", 0]]);
add('default', 'snap-create/manual', [['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<disks><disk name='vda' snapshot='manual'/></disks>"), 0]]);
add('default', 'snap-create/manual-unknown-disk', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<disks><disk name='vdz' snapshot='manual'/></disks>"), 0],
]);
add('default', 'snap-create/unknown-disk', [['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<disks><disk name='vdz'/></disks>"), 0]]);
add('default', 'snap-create/path-disk', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<disks><disk name='/guest/diskimage1' snapshot='no'/></disks>"), 0],
  ['virDomainSnapshotGetXMLDesc', 'test/s1', 0],
]);
add('default', 'snap-create/path-disk-twice', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<disks><disk name='/guest/diskimage1' snapshot='no'/><disk name='vda'/></disks>"), 0],
]);
add('default', 'snap-create/external-disk', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<disks><disk name='vda' snapshot='external'><source file='/tmp/x.qcow2'/></disk></disks>"), 16],
]);
add('default', 'snap-create/validate-ok', [['virDomainSnapshotCreateXML', 'test', SNAP('s1', '<description>d</description>'), 512]]);
add('default', 'snap-create/validate-child', [['virDomainSnapshotCreateXML', 'test', SNAP('s1', '<nonsense/>'), 512]]);
add('default', 'snap-create/validate-disk-child', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<disks><disk name='vda'><nonsense/></disk></disks>"), 512],
]);
add('default', 'snap-create/validate-attr', [['virDomainSnapshotCreateXML', 'test', SNAP('s1', "<memory snapshot='no' bogus='1'/>"), 512]]);
add('default', 'snap-create/validate-text', [['virDomainSnapshotCreateXML', 'test', SNAP('s1', '<creationTime>soon</creationTime>'), 512]]);
add('default', 'snap-create/validate-root-attr', [['virDomainSnapshotCreateXML', 'test', "<domainsnapshot bogus='1'><name>s1</name></domainsnapshot>", 512]]);
add('default', 'snap-create/validate-empty-name', [['virDomainSnapshotCreateXML', 'test', '<domainsnapshot><name></name></domainsnapshot>', 512]]);
add('default', 'snap-create/duplicate', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1'), 0],
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1'), 0],
]);
add('default', 'snap-create/name-slash', [['virDomainSnapshotCreateXML', 'test', SNAP('a/b'), 0]]);
add('default', 'snap-create/description-quote', [
  ['virDomainSnapshotCreateXML', 'test', SNAP('s1', '<description>"q" &amp; \'a\' &lt;x&gt;</description>'), 0],
  ['virDomainSnapshotGetXMLDesc', 'test/s1', 0],
]);

// Snapshot reads with every flag bit.
for (const flags of sweep(10)) {
  add('default', `snap-list/${flags}`, [...TREE, ['virDomainListAllSnapshots', 'test', flags]]);
  add('default', `snap-num/${flags}`, [...TREE, ['virDomainSnapshotNum', 'test', flags]]);
  add('default', `snap-children/${flags}`, [...TREE, ['virDomainSnapshotListAllChildren', 'test/a', flags]]);
  add('default', `snap-num-children/${flags}`, [...TREE, ['virDomainSnapshotNumChildren', 'test/a', flags]]);
}
for (const flags of [1 | 4, 1 | 8, 4 | 8, 16 | 32, 64 | 128, 256 | 512, 1 | 1024]) {
  add('default', `snap-list/${flags}`, [...TREE, ['virDomainListAllSnapshots', 'test', flags]]);
  add('default', `snap-children/${flags}`, [...TREE, ['virDomainSnapshotListAllChildren', 'test/a', flags]]);
}
for (const flags of sweep(2)) {
  add('default', `snap-xml/${flags}`, [...TREE, ['virDomainSnapshotGetXMLDesc', 'test/c', flags]]);
  add('default', `snap-parent/${flags}`, [...TREE, ['virDomainSnapshotGetParent', 'test/c', flags]]);
  add('default', `snap-is-current/${flags}`, [...TREE, ['virDomainSnapshotIsCurrent', 'test/c', flags]]);
  add('default', `snap-has-metadata/${flags}`, [...TREE, ['virDomainSnapshotHasMetadata', 'test/c', flags]]);
  add('default', `snap-current/${flags}`, [...TREE, ['virDomainSnapshotCurrent', 'test', flags]]);
  add('default', `snap-has-current/${flags}`, [...TREE, ['virDomainHasCurrentSnapshot', 'test', flags]]);
  add('default', `snap-lookup/${flags}`, [...TREE, ['virDomainSnapshotLookupByName', 'test', 'a', flags]]);
}
add('default', 'snap-parent/root', [...TREE, ['virDomainSnapshotGetParent', 'test/a', 0]]);
add('default', 'snap-current/none', [['virDomainSnapshotCurrent', 'test', 0]]);
add('default', 'snap-has-current/none', [['virDomainHasCurrentSnapshot', 'test', 0]]);
add('default', 'snap-lookup/missing', [['virDomainSnapshotLookupByName', 'test', 'nosuch', 0]]);
add('default', 'snap-lookup/missing-domain', [['virDomainSnapshotLookupByName', 'nosuch', 'a', 0]]);
add('lifecycle.xml', 'lifecycle/snap-xml/legacy-old', [['virDomainSnapshotGetXMLDesc', 'legacy/old', 0]]);
add('lifecycle.xml', 'lifecycle/snap-xml/legacy-newer-secure', [['virDomainSnapshotGetXMLDesc', 'legacy/newer', 1]]);
add('lifecycle.xml', 'lifecycle/snap-current/legacy', [['virDomainSnapshotCurrent', 'legacy', 0]]);
add('lifecycle.xml', 'lifecycle/snap-list/legacy', [
  ['virDomainListAllSnapshots', 'legacy', 0],
  ['virDomainSnapshotNum', 'legacy', 0],
]);
add('everyday.xml', 'everyday/snap-xml/rich-plain', [
  ['virDomainSnapshotCreateXML', 'rich', SNAP('s1'), 0],
  ['virDomainSnapshotGetXMLDesc', 'rich/s1', 0],
]);
add('everyday.xml', 'everyday/snap-xml/rich-secure', [
  ['virDomainSnapshotCreateXML', 'rich', SNAP('s1'), 0],
  ['virDomainSnapshotGetXMLDesc', 'rich/s1', 1],
]);

// Revert and delete with every flag bit.
for (const flags of sweep(4)) {
  add('default', `snap-revert/${flags}`, [
    ...TREE,
    ['virDomainRevertToSnapshot', 'test/b', flags],
    ['virDomainGetState', 'test', 0],
    ['virDomainSnapshotCurrent', 'test', 0],
  ]);
  add('default', `snap-revert-off/${flags}`, [
    ...TREE,
    ['virDomainDestroyFlags', 'test', 0],
    ['virDomainRevertToSnapshot', 'test/b', flags],
    ['virDomainGetState', 'test', 0],
  ]);
}
// Redefining a disk-only snapshot whose disks the XML leaves out: libvirt names their external
// targets, which it does only for a source that is a regular file (none of these is one).
for (const [id, source] of [
  ['own-disk', '/guest/diskimage1'],
  ['missing', '/guest/nowhere.img'],
]) {
  const domain = `<domain type='test'><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>1048576</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='${source}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
  add('default', `snap-redefine/disk-only-names/${id}`, [
    ['virDomainSnapshotCreateXML', 'test', SNAP('d', `<state>disk-snapshot</state><creationTime>1</creationTime><disks/>${domain}`), 1],
    ['virDomainListAllSnapshots', 'test', 0],
  ]);
}
// External targets without DISK_ONLY: libvirt 9.0's test driver records them and changes nothing.
for (const [id, parts] of [
  ['memory-internal-disk', "<memory snapshot='external' file='/guest/mem.save'/><disks><disk name='vda' snapshot='internal'/></disks>"],
  [
    'memory-and-disk',
    "<memory snapshot='external' file='/guest/mem.save'/><disks><disk name='vda' snapshot='external'><source file='/guest/vda.overlay'/></disk></disks>",
  ],
]) {
  add('default', `snap-create-external/${id}`, [
    ['virDomainSnapshotCreateXML', 'test', SNAP('x', parts), 0],
    ['virDomainGetXMLDesc', 'test', 0],
    ['virDomainGetState', 'test', 0],
  ]);
}
// A snapshot that recorded no domain (the lifecycle node's legacy/old): no flag makes it revertible.
for (const flags of sweep(3)) {
  add('lifecycle.xml', `lifecycle/snap-revert/legacy-old/${flags}`, [
    ['virDomainRevertToSnapshot', 'legacy/old', flags],
    ['virDomainSnapshotCurrent', 'legacy', 0],
    ['virDomainGetState', 'legacy', 0],
  ]);
}
// Reverting to a shut-off snapshot with RUNNING or PAUSED (libvirt's transitions 1, 4 and 7, then 2 or 3).
for (const flags of [1, 2, 1 | 4]) {
  add('lifecycle.xml', `lifecycle/snap-revert-start/off/${flags}`, [
    ['virDomainSnapshotCreateXML', 'off', SNAP('s'), 0],
    ['virDomainRevertToSnapshot', 'off/s', flags],
    ['virDomainGetState', 'off', 0],
  ]);
  add('default', `snap-revert-start/running/${flags}`, [
    ['virDomainDestroyFlags', 'test', 0],
    ['virDomainSnapshotCreateXML', 'test', SNAP('s'), 0],
    ['virDomainCreateWithFlags', 'test', 0],
    ['virDomainRevertToSnapshot', 'test/s', flags],
    ['virDomainGetState', 'test', 0],
  ]);
}
const ONE = (vcpus) =>
  `<domain type='test'><name>one</name><uuid>5d1c3b2a-0f4e-4a6b-9c8d-7e6f5a4b3c21</uuid><memory>1048576</memory><vcpu>${vcpus}</vcpu><os><type>hvm</type></os>` +
  "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/images/one.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>";
// Reverting a running domain: libvirt 9.0's test driver stops and starts it (a new id), whatever its ABI, FORCE or not.
for (const flags of [0, 4]) {
  add('default', `snap-revert-respawn/${flags}`, [
    ['virDomainSnapshotCreateXML', 'test', SNAP('s'), 0],
    ['virDomainRevertToSnapshot', 'test/s', flags],
    ['virDomainLookupByName', '', 'test'],
    ['virDomainGetState', 'test', 0],
  ]);
  add('lifecycle.xml', `lifecycle/snap-revert-abi/${flags}`, [
    ['virDomainSnapshotCreateXML', 'one', SNAP('s'), 0],
    ['virDomainDestroyFlags', 'one', 0],
    ['virDomainDefineXMLFlags', '', ONE(2), 0],
    ['virDomainCreateWithFlags', 'one', 0],
    ['virDomainRevertToSnapshot', 'one/s', flags],
    ['virDomainLookupByName', '', 'one'],
    ['virDomainGetXMLDesc', 'one', 0],
  ]);
}
// A running domain with a pending definition (defined while it runs): its snapshots, their revert, and undefining it.
add('lifecycle.xml', 'lifecycle/pending/snapshot-revert', [
  ['virDomainDefineXMLFlags', '', ONE(2), 0],
  ['virDomainSnapshotCreateXML', 'one', SNAP('s'), 0],
  ['virDomainSnapshotGetXMLDesc', 'one/s', 0],
  ['virDomainDestroyFlags', 'one', 0],
  ['virDomainDefineXMLFlags', '', ONE(3), 0],
  ['virDomainRevertToSnapshot', 'one/s', 0],
  ['virDomainGetXMLDesc', 'one', 0],
  ['virDomainGetXMLDesc', 'one', 2],
  ['virDomainDestroyFlags', 'one', 0],
  ['virDomainGetXMLDesc', 'one', 0],
]);
add('lifecycle.xml', 'lifecycle/pending/revert-running', [
  ['virDomainDefineXMLFlags', '', ONE(2), 0],
  ['virDomainSnapshotCreateXML', 'one', SNAP('s'), 0],
  ['virDomainRevertToSnapshot', 'one/s', 0],
  ['virDomainGetXMLDesc', 'one', 2],
]);
add('lifecycle.xml', 'lifecycle/pending/undefine', [
  ['virDomainDefineXMLFlags', '', ONE(2), 0],
  ['virDomainUndefineFlags', 'one', 0],
  ['virDomainIsPersistent', 'one'],
  ['virDomainGetXMLDesc', 'one', 2],
  ['virDomainGetXMLDesc', 'one', 0],
  ['virDomainSnapshotCreateXML', 'one', SNAP('s'), 0],
  ['virDomainSnapshotGetXMLDesc', 'one/s', 0],
  ['virDomainDestroyFlags', 'one', 0],
  ['virDomainLookupByName', '', 'one'],
]);
// Redefining those snapshots: without a <domain> there is nothing to align the disks with.
for (const [id, xml] of [
  ['bare', SNAP('old', '<state>running</state><creationTime>1300000000</creationTime>')],
  ['described', SNAP('newer', '<description>d</description><state>running</state><parent><name>old</name></parent><creationTime>1</creationTime>')],
  ['new-name', SNAP('older', '<state>shutoff</state><creationTime>1</creationTime>')],
  [
    'own-domain',
    SNAP(
      'old',
      "<state>running</state><creationTime>1</creationTime><domain type='test'><name>legacy</name><uuid>1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9</uuid><memory>1024</memory><os><type>hvm</type></os></domain>",
    ),
  ],
]) {
  add('lifecycle.xml', `lifecycle/snap-redefine/legacy/${id}`, [
    ['virDomainSnapshotCreateXML', 'legacy', xml, 1],
    ['virDomainListAllSnapshots', 'legacy', 0],
    ['virDomainSnapshotGetXMLDesc', 'legacy/old', 0],
  ]);
}
for (const flags of [1 | 2]) add('default', `snap-revert/${flags}`, [...TREE, ['virDomainRevertToSnapshot', 'test/b', flags]]);
for (const flags of [...sweep(3), 1 | 2, 1 | 4, 2 | 4]) {
  add('default', `snap-delete/${flags}`, [...TREE, ['virDomainSnapshotDelete', 'test/a', flags], ['virDomainListAllSnapshots', 'test', 0]]);
}
add('default', 'snap-delete/current', [...TREE, ['virDomainSnapshotDelete', 'test/c', 0], ['virDomainHasCurrentSnapshot', 'test', 0]]);

export const rawCases = cases;
