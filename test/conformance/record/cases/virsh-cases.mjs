// The virsh transcripts to record: one virsh invocation each, against test:///default or a node file.
//
// A case is { id, host, argv, files?, stdin?, env? }. `host` is 'default', a node file name from
// test/fixtures/nodes or test/conformance/nodes, or null (no -c: argv carries its own). `files` are
// written to a per-case directory named @FILES@ in argv. Ids are unique and stable: the corpus is keyed by them.

const SNAP = (name, extra = '') => `<domainsnapshot><name>${name}</name>${extra}</domainsnapshot>`;

/** Domain definitions written as files for `define`. */
const DOMAIN = (name, { uuid, extra = '', type = 'test', memory = "<memory unit='KiB'>524288</memory>" } = {}) =>
  `<domain type='${type}'>\n  <name>${name}</name>\n${uuid ? `  <uuid>${uuid}</uuid>\n` : ''}  ${memory}\n  <vcpu>1</vcpu>\n  <os>\n    <type>hvm</type>\n  </os>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='/images/${name}.qcow2'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>\n${extra}</domain>\n`;

const cases = [];
const add = (host, id, command, more = {}) => cases.push({ id, host, argv: Array.isArray(command) ? command : [command], ...more });

// --- connection-level everyday commands ---------------------------------------------------------
for (const host of ['default', 'lifecycle.xml']) {
  const h = host === 'default' ? 'default' : 'lifecycle';
  add(host, `${h}/uri`, 'uri');
  add(host, `${h}/hostname`, 'hostname');
  add(host, `${h}/version`, 'version');
  add(host, `${h}/version-daemon`, 'version --daemon');
  add(host, `${h}/nodeinfo`, 'nodeinfo');
  add(host, `${h}/capabilities`, 'capabilities');
}
add('default', 'default/echo', 'echo hello world');
add('default', 'default/echo-quoted', ['echo', 'a  b', "c'd"]);
add('default', 'default/echo-xml', 'echo --xml "<a>&\'"');
add('default', 'default/echo-shell', 'echo --shell "a b" c');
add('default', 'default/echo-err', 'echo --err oops');
add('default', 'default/echo-split', 'echo --split a,b,,c');
add('default', 'default/unknown-command', 'no-such-command');
add('default', 'default/unknown-command-after-ok', 'list ; no-such-command');
add('default', 'default/help-list', 'help list');
add('default', 'default/help-unknown', 'help nonsense');
add('default', 'default/quit', 'quit');
add('default', 'default/exit-then-list', 'exit ; list');
add('default', 'default/connect-same', 'connect ; list');
// @SOCKET@ is the recorder's libvirtd, standing in for the host's daemon that virsh would reach.
add(null, 'noconn/unknown-scheme', ['-c', 'foo+unix:///bar?socket=@SOCKET@', 'list']);
add(null, 'noconn/unknown-scheme-system', ['-c', 'bogus+unix:///system?socket=@SOCKET@', 'list']);
add(null, 'noconn/unknown-transport', ['-c', 'test+bogus:///default', 'list']);
add(null, 'noconn/echo-no-connection', ['-c', 'foo+unix:///bar?socket=@SOCKET@', 'echo', 'hi']);
add(null, 'noconn/version-flag', ['--version']);
add(null, 'noconn/version-short', ['-v']);
add(null, 'noconn/bad-option', ['--no-such-option', 'list']);

// --- list -----------------------------------------------------------------------------------------
const LIST_FLAGS = [
  '',
  '--all',
  '--inactive',
  '--name',
  '--uuid',
  '--id',
  '--all --name',
  '--all --uuid',
  '--all --id',
  '--table',
  '--persistent',
  '--transient',
  '--state-running',
  '--state-paused',
  '--state-shutoff',
  '--state-other',
  '--with-snapshot',
  '--without-snapshot',
  '--autostart',
  '--no-autostart',
  '--managed-save',
  '--with-managed-save',
  '--without-managed-save',
  '--title',
  '--all --title',
  '--name --uuid',
  '--table --name',
  '--all --persistent --state-shutoff',
  '--all --with-snapshot',
  '--all --without-snapshot',
  '--inactive --transient',
];
for (const [host, h] of [
  ['default', 'default'],
  ['lifecycle.xml', 'lifecycle'],
  ['two-disks.xml', 'two-disks'],
]) {
  for (const flags of LIST_FLAGS) add(host, `${h}/list${flags ? flags.replaceAll(' ', '') : ''}`, `list ${flags}`.trim());
}

// --- per-domain read commands on every node-file domain and test:///default's -----------------------
const DOMAINS = {
  default: ['test'],
  'lifecycle.xml': ['one', 'two', 'off', 'fleeting', 'legacy'],
  'property.xml': ['pt'],
  'transient.xml': ['tran'],
  'two-disks.xml': ['vm2', 'off2'],
  'everyday.xml': ['rich', 'quiet', 'paused'],
};
const READS = [
  'dominfo',
  'domstate',
  'domstate --reason',
  'domuuid',
  'domname',
  'domid',
  'dumpxml',
  'dumpxml --inactive',
  'dumpxml --security-info',
  'dumpxml --inactive --security-info',
  'dumpxml --migratable',
  'domblklist',
  'domblklist --details',
  'domblklist --inactive',
  'domiflist',
  'domiflist --inactive',
  'snapshot-list',
  'snapshot-current',
  'snapshot-current --name',
];
for (const [host, names] of Object.entries(DOMAINS)) {
  const h = host.replace(/\.xml$/, '');
  for (const name of names) {
    for (const read of READS) {
      const [command, ...rest] = read.split(' ');
      const argument = command === 'domname' ? '' : name;
      add(host, `${h}/${name}/${read.replaceAll(' ', '')}`, [command, argument, ...rest].filter(Boolean).join(' '));
    }
  }
}
// domname/domid/domuuid/dominfo by the other identifiers, and the not-found errors of each lookup.
add('default', 'default/domname-uuid', 'domname 6695eb01-f6a4-8304-79aa-97f2502e193f');
add('default', 'default/domname-id', 'domname 1');
add('default', 'default/domname-name', 'domname test');
add('default', 'default/domuuid-id', 'domuuid 1');
add('default', 'default/domid-uuid', 'domid 6695eb01-f6a4-8304-79aa-97f2502e193f');
add('default', 'default/dominfo-id', 'dominfo 1');
add('default', 'default/dominfo-uuid', 'dominfo 6695eb01-f6a4-8304-79aa-97f2502e193f');
add('default', 'default/dominfo-missing', 'dominfo nosuch');
add('default', 'default/dominfo-missing-id', 'dominfo 42');
add('default', 'default/dominfo-missing-uuid', 'dominfo 11111111-2222-3333-4444-555555555555');
add('default', 'default/dominfo-domain-option', 'dominfo --domain test');
add('default', 'default/dominfo-no-arg', 'dominfo');
add('default', 'default/dominfo-extra-arg', 'dominfo test extra');
add('default', 'default/domstate-missing', 'domstate nosuch');
add('default', 'default/domuuid-missing', 'domuuid nosuch');
add('default', 'default/domid-missing', 'domid nosuch');
add('default', 'default/domname-missing', 'domname nosuch');
add('default', 'default/dumpxml-missing', 'dumpxml nosuch');
add('default', 'default/dumpxml-bad-option', 'dumpxml test --bogus');
add('default', 'default/dumpxml-xpath', 'dumpxml test --xpath //disk/target');
add('default', 'default/dumpxml-xpath-wrap', 'dumpxml test --xpath //target --wrap');
add('default', 'default/domblklist-missing', 'domblklist nosuch');
add('default', 'default/domiflist-missing', 'domiflist nosuch');
add('lifecycle.xml', 'lifecycle/domid-off', 'domid off');
add('lifecycle.xml', 'lifecycle/dominfo-by-id', 'dominfo 3');
add('lifecycle.xml', 'lifecycle/domname-by-id', 'domname 2');
add('lifecycle.xml', 'lifecycle/domname-uuid', 'domname 3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f');

// --- lifecycle --------------------------------------------------------------------------------------
const LIFE = [
  ['suspend-resume', 'suspend test ; domstate test --reason ; resume test ; domstate test --reason'],
  ['suspend-twice', 'suspend test ; suspend test'],
  ['resume-running', 'resume test'],
  ['destroy', 'destroy test ; domstate test --reason ; list --all ; dominfo test'],
  ['destroy-twice', 'destroy test ; destroy test'],
  ['destroy-graceful', 'destroy test --graceful ; domstate test --reason'],
  ['shutdown', 'shutdown test ; domstate test --reason'],
  ['shutdown-mode', 'shutdown test --mode acpi ; domstate test --reason'],
  ['shutdown-bad-mode', 'shutdown test --mode bogus'],
  ['shutdown-off', 'destroy test ; shutdown test'],
  ['start-running', 'start test'],
  ['destroy-start', 'destroy test ; start test ; domstate test --reason ; domid test ; list'],
  ['start-paused', 'destroy test ; start test --paused ; domstate test --reason'],
  ['start-autodestroy', 'destroy test ; start test --autodestroy ; domstate test'],
  ['start-force-boot', 'destroy test ; start test --force-boot ; domstate test --reason'],
  ['start-missing', 'start nosuch'],
  ['suspend-off', 'destroy test ; suspend test'],
  ['resume-off', 'destroy test ; resume test'],
  ['reboot', 'reboot test ; domstate test --reason'],
  ['reset', 'reset test ; domstate test --reason'],
  ['undefine-running', 'undefine test ; list --all ; dominfo test'],
  ['undefine-then-destroy', 'undefine test ; destroy test ; list --all'],
  ['undefine-off', 'destroy test ; undefine test ; list --all'],
  ['undefine-snapshots', 'snapshot-create-as test s1 ; undefine test'],
  ['undefine-snapshots-metadata', 'snapshot-create-as test s1 ; destroy test ; undefine test --snapshots-metadata ; list --all'],
  ['undefine-missing', 'undefine nosuch'],
  ['undefine-nvram', 'destroy test ; undefine test --nvram'],
  ['undefine-keep-nvram', 'destroy test ; undefine test --keep-nvram'],
  ['undefine-managed-save', 'destroy test ; undefine test --managed-save'],
  ['undefine-remove-all-storage', 'destroy test ; undefine test --remove-all-storage'],
  ['domstate-paused-reason', 'suspend test ; domstate test --reason ; dominfo test'],
];
for (const [name, command] of LIFE) add('default', `default/life/${name}`, command);
const NODE_LIFE = [
  ['start-off', 'start off ; domstate off --reason ; list --all ; domid off'],
  ['destroy-fleeting', 'destroy fleeting ; list --all ; dominfo fleeting'],
  ['undefine-fleeting', 'undefine fleeting ; list --all'],
  ['undefine-off', 'undefine off ; list --all'],
  ['undefine-legacy-snapshots', 'undefine legacy'],
  ['destroy-legacy-undefine', 'destroy legacy ; undefine legacy --snapshots-metadata ; list --all'],
  ['suspend-all', 'suspend one ; suspend two ; list ; domstate one --reason'],
  ['shutdown-two', 'shutdown two ; domstate two --reason ; dominfo two'],
  ['start-one-running', 'start one'],
  ['destroy-start-one', 'destroy one ; start one ; domid one ; list --all'],
];
for (const [name, command] of NODE_LIFE) add('lifecycle.xml', `lifecycle/life/${name}`, command);

// --- define -------------------------------------------------------------------------------------------
const D = (id, command, files, host = 'default') => add(host, `${host.replace(/\.xml$/, '')}/define/${id}`, command, { files });
D('new', 'define @FILES@/d.xml ; list --all ; dominfo fresh ; dumpxml fresh', { 'd.xml': DOMAIN('fresh', { uuid: 'a1b2c3d4-0000-4000-8000-000000000001' }) });
D('new-no-uuid', 'define @FILES@/d.xml ; domstate fresh --reason', { 'd.xml': DOMAIN('fresh') });
D('new-start', 'define @FILES@/d.xml ; start fresh ; dominfo fresh ; dumpxml fresh', {
  'd.xml': DOMAIN('fresh', { uuid: 'a1b2c3d4-0000-4000-8000-000000000002' }),
});
D('redefine-running', 'define @FILES@/d.xml ; dumpxml test ; dumpxml test --inactive', {
  'd.xml': DOMAIN('test', { uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', memory: "<memory unit='MiB'>1024</memory>" }),
});
D('same-name-other-uuid', 'define @FILES@/d.xml', { 'd.xml': DOMAIN('test', { uuid: 'a1b2c3d4-0000-4000-8000-000000000003' }) });
D('same-uuid-other-name', 'define @FILES@/d.xml', { 'd.xml': DOMAIN('other', { uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f' }) });
D('missing-file', 'define @FILES@/nope.xml', {});
D('empty-file', 'define @FILES@/d.xml', { 'd.xml': '' });
D('not-xml', 'define @FILES@/d.xml', { 'd.xml': 'hello\n' });
D('truncated', 'define @FILES@/d.xml', { 'd.xml': "<domain type='test'>\n  <name>x</name>\n" });
D('mismatched', 'define @FILES@/d.xml', { 'd.xml': "<domain type='test'>\n  <name>x</nme>\n</domain>\n" });
D('wrong-root', 'define @FILES@/d.xml', { 'd.xml': '<domainsnapshot/>\n' });
D('no-type', 'define @FILES@/d.xml', { 'd.xml': '<domain><name>x</name></domain>\n' });
D('bad-type', 'define @FILES@/d.xml', { 'd.xml': "<domain type='bogus'><name>x</name></domain>\n" });
D('other-type', 'define @FILES@/d.xml', { 'd.xml': DOMAIN('x', { type: 'kvm' }) });
D('no-name', 'define @FILES@/d.xml', { 'd.xml': "<domain type='test'><memory>1024</memory></domain>\n" });
D('no-memory', 'define @FILES@/d.xml', { 'd.xml': "<domain type='test'><name>x</name></domain>\n" });
D('bad-uuid', 'define @FILES@/d.xml', { 'd.xml': DOMAIN('x', { uuid: 'not-a-uuid' }) });
D('unit-mib', 'define @FILES@/d.xml ; dumpxml x', { 'd.xml': DOMAIN('x', { memory: "<memory unit='MiB'>512</memory>" }) });
D('unit-g', 'define @FILES@/d.xml ; dumpxml x', { 'd.xml': DOMAIN('x', { memory: "<memory unit='G'>1</memory>" }) });
D('unit-bytes', 'define @FILES@/d.xml ; dumpxml x', { 'd.xml': DOMAIN('x', { memory: "<memory unit='bytes'>1073741824</memory>" }) });
D('unit-kb', 'define @FILES@/d.xml ; dumpxml x', { 'd.xml': DOMAIN('x', { memory: "<memory unit='KB'>1000</memory>" }) });
D('unit-tib', 'define @FILES@/d.xml ; dumpxml x', { 'd.xml': DOMAIN('x', { memory: "<memory unit='TiB'>1</memory>" }) });
D('unit-unknown', 'define @FILES@/d.xml', { 'd.xml': DOMAIN('x', { memory: "<memory unit='furlong'>1</memory>" }) });
D('unit-negative', 'define @FILES@/d.xml', { 'd.xml': DOMAIN('x', { memory: "<memory unit='KiB'>-1</memory>" }) });
D('unit-not-number', 'define @FILES@/d.xml', { 'd.xml': DOMAIN('x', { memory: "<memory unit='KiB'>lots</memory>" }) });
D('unit-rounding', 'define @FILES@/d.xml ; dumpxml x', { 'd.xml': DOMAIN('x', { memory: "<memory unit='b'>1000</memory>" }) });
D('current-memory', 'define @FILES@/d.xml ; dumpxml x ; dominfo x', {
  'd.xml': DOMAIN('x', { memory: "<memory unit='MiB'>1024</memory>\n  <currentMemory unit='MiB'>512</currentMemory>" }),
});
D('current-memory-larger', 'define @FILES@/d.xml ; dumpxml x', {
  'd.xml': DOMAIN('x', { memory: "<memory unit='MiB'>512</memory>\n  <currentMemory unit='MiB'>1024</currentMemory>" }),
});
D('escaping', 'define @FILES@/d.xml ; dumpxml esc', {
  'd.xml': DOMAIN('esc', { extra: '  <description>a "quoted" &amp; &lt;tagged&gt; \'text\'</description>\n  <title>t&amp;"x"</title>\n' }),
});
D('full', 'define @FILES@/d.xml ; dumpxml full ; dumpxml full --inactive ; dominfo full', {
  'd.xml': `<domain type='test'>
  <name>full</name>
  <uuid>a1b2c3d4-0000-4000-8000-0000000000f1</uuid>
  <title>Full</title>
  <description>every element the drivers know</description>
  <memory unit='GiB'>2</memory>
  <currentMemory unit='MiB'>1536</currentMemory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
  </os>
  <features><acpi/><apic/></features>
  <clock offset='localtime'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>coredump-destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/images/full.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/images/install.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'/>
    <console type='pty'/>
    <graphics type='vnc' port='-1' autoport='yes' passwd='secret'/>
  </devices>
</domain>
`,
});
// Secure attributes on the test driver (which, unlike this QEMU, accepts every graphics type).
const GRAPHICS = {
  vnc: "<graphics type='vnc' port='5900' autoport='no' passwd='vncpw' passwdValidTo='2030-01-01T00:00:00' connected='keep'/>",
  spice: "<graphics type='spice' port='5901' autoport='no' passwd='spicepw'/>",
  rdp: "<graphics type='rdp' port='3389' autoport='no' passwd='rdppw'/>",
  cookies:
    "<disk type='network' device='cdrom'><source protocol='https' name='/boot.iso'><host name='example.org'/><cookies><cookie name='s'>c2VjcmV0</cookie></cookies></source><target dev='hdc' bus='ide'/><readonly/></disk>",
};
for (const [kind, device] of Object.entries(GRAPHICS)) {
  D(`secure-${kind}`, 'define @FILES@/d.xml ; dumpxml sec ; dumpxml sec --security-info ; dumpxml sec --inactive', {
    'd.xml': DOMAIN('sec', { uuid: 'a1b2c3d4-0000-4000-8000-000000000051' }).replace('  </devices>', `    ${device}\n  </devices>`),
  });
}
// Every candidate for a secret in one definition: only graphics passwd (vnc, spice) and network-disk
// cookies are held back without --security-info; rdp and dbus passwords are not even parsed.
D('secure-candidates', 'define @FILES@/d.xml ; dumpxml sec ; dumpxml sec --security-info', {
  'd.xml': `<domain type='test'>
  <name>sec</name>
  <uuid>a1b2c3d4-0000-4000-8000-000000000052</uuid>
  <memory>524288</memory>
  <os><type>hvm</type></os>
  <seclabel type='static' model='testSecurity' relabel='yes'><label>system_u:object_r:svirt:s0</label><imagelabel>img_u:s0</imagelabel></seclabel>
  <devices>
    <disk type='file' device='disk'><source file='/images/x.qcow2'><seclabel model='testSecurity' relabel='yes'><label>disk_label</label></seclabel></source><target dev='vda'/></disk>
    <disk type='network' device='disk'><source protocol='rbd' name='pool/img'><host name='mon'/><auth username='admin'><secret type='ceph' uuid='a1b2c3d4-0000-4000-8000-000000000099'/></auth></source><target dev='vdb'/></disk>
    <disk type='network' device='disk'><source protocol='http' name='/x.img' query='token=abc'><host name='h'/><cookies><cookie name='a'>b</cookie></cookies><ssl verify='no'/><timeout seconds='10'/><readahead size='65536'/></source><target dev='vdc'/></disk>
    <interface type='ethernet'><mac address='52:54:00:00:00:09'/><script path='/etc/x'/></interface>
    <graphics type='vnc' port='5900' passwd='a' passwdValidTo='2030-01-01T00:00:00'/>
    <graphics type='spice' port='5901' passwd='b'><listen type='address' address='1.2.3.4'/></graphics>
    <graphics type='rdp' port='3389' passwd='c' multiUser='yes'/>
    <graphics type='dbus' passwd='d'/>
    <graphics type='egl-headless'/>
  </devices>
</domain>
`,
});
D(
  'node-define',
  'define @FILES@/d.xml ; list --all ; dumpxml fresh',
  { 'd.xml': DOMAIN('fresh', { uuid: 'a1b2c3d4-0000-4000-8000-000000000004' }) },
  'lifecycle.xml',
);
D(
  'node-redefine-off',
  'define @FILES@/d.xml ; dumpxml off',
  {
    'd.xml': DOMAIN('off', { uuid: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f', memory: "<memory unit='MiB'>256</memory>" }),
  },
  'lifecycle.xml',
);
D('validate-ok', 'define @FILES@/d.xml --validate ; domstate fresh', { 'd.xml': DOMAIN('fresh', { uuid: 'a1b2c3d4-0000-4000-8000-000000000005' }) });
D('validate-bad-child', 'define @FILES@/d.xml --validate', { 'd.xml': DOMAIN('fresh', { extra: '  <nonsense/>\n' }) });
D('validate-bad-disk', 'define @FILES@/d.xml --validate', {
  'd.xml': DOMAIN('fresh').replace('<target dev', '<nonsense/>\n      <target dev'),
});
D('validate-bad-attr', 'define @FILES@/d.xml --validate', { 'd.xml': DOMAIN('fresh').replace("<disk type='file'", "<disk type='file' bogus='1'") });
D('validate-bad-memory', 'define @FILES@/d.xml --validate', { 'd.xml': DOMAIN('fresh', { memory: "<memory unit='KiB'>lots</memory>" }) });
D('unknown-child-no-validate', 'define @FILES@/d.xml ; dumpxml fresh', { 'd.xml': DOMAIN('fresh', { extra: '  <nonsense/>\n' }) });

// --- snapshots on test:///default ------------------------------------------------------------------
const S = (id, command, files) => add('default', `default/snap/${id}`, command, files ? { files } : {});
S('create-as', 'snapshot-create-as test s1 ; snapshot-list test ; snapshot-info test s1');
S('create-as-desc', 'snapshot-create-as test s1 "first snap" ; snapshot-dumpxml test s1');
S('create-as-no-name', 'snapshot-create-as test ; snapshot-list test --name');
S('create-as-print-xml', 'snapshot-create-as test s1 "d e" --print-xml');
S('create-as-print-xml-diskspec', 'snapshot-create-as test s1 --print-xml --disk-only --diskspec vda,snapshot=external,file=/tmp/o.qcow2,driver=qcow2');
S('create-as-print-xml-memspec', 'snapshot-create-as test s1 --print-xml --memspec file=/tmp/m.save,snapshot=external');
S('create-as-atomic', 'snapshot-create-as test s1 --atomic ; snapshot-list test');
S('create-as-halt', 'snapshot-create-as test s1 --halt ; domstate test --reason ; snapshot-info test s1');
S('create-as-live', 'snapshot-create-as test s1 --live');
S('create-as-quiesce', 'snapshot-create-as test s1 --quiesce');
S('create-as-disk-only', 'snapshot-create-as test s1 --disk-only');
S('create-as-disk-only-spec', 'snapshot-create-as test s1 --disk-only --diskspec vda,file=/tmp/s1.qcow2');
S('create-as-no-metadata', 'snapshot-create-as test s1 --no-metadata ; snapshot-list test');
S('create-as-reuse', 'snapshot-create-as test s1 --reuse-external');
S('create-as-duplicate', 'snapshot-create-as test s1 ; snapshot-create-as test s1');
S('create-as-missing-domain', 'snapshot-create-as nosuch s1');
S('create-as-diskspec-unknown-disk', 'snapshot-create-as test s1 --diskspec vdz,snapshot=internal');
S('create-as-diskspec-manual', 'snapshot-create-as test s1 --diskspec vda,snapshot=manual');
S('create-as-diskspec-no', 'snapshot-create-as test s1 --diskspec vda,snapshot=no ; snapshot-dumpxml test s1');
S('create-as-diskspec-path', 'snapshot-create-as test s1 --diskspec /guest/diskimage1,snapshot=internal ; snapshot-dumpxml test s1');
S('create-as-diskspec-relative', 'snapshot-create-as test s1 --disk-only --diskspec vda,file=relative.qcow2');
S('create-as-diskspec-bad-key', 'snapshot-create-as test s1 --diskspec vda,bogus=1');
S('create-as-memspec-internal', 'snapshot-create-as test s1 --memspec snapshot=internal');
S('create-as-memspec-external', 'snapshot-create-as test s1 --memspec file=/tmp/m.save');
S('create-as-name-escape', 'snapshot-create-as test "a&b<c>" ; snapshot-list test ; snapshot-dumpxml test "a&b<c>"');
S('create-as-name-slash', 'snapshot-create-as test a/b');
S('create-as-desc-quote', 'snapshot-create-as test s1 \'say "hi" & bye\' ; snapshot-dumpxml test s1');
S('create-as-paused-state', 'suspend test ; snapshot-create-as test s1 ; snapshot-info test s1 ; snapshot-list test');
S('create-as-off-state', 'destroy test ; snapshot-create-as test s1 ; snapshot-info test s1 ; snapshot-list test');
S('create-as-off-live', 'destroy test ; snapshot-create-as test s1 --live');
S('create-as-off-disk-only', 'destroy test ; snapshot-create-as test s1 --disk-only');
S('create-xml', 'snapshot-create test @FILES@/s.xml ; snapshot-dumpxml test s1', { 's.xml': SNAP('s1', '<description>from a file</description>') });
S('create-xml-empty-name', 'snapshot-create test @FILES@/s.xml ; snapshot-list test --name', { 's.xml': '<domainsnapshot/>' });
S('create-xml-no-file', 'snapshot-create test ; snapshot-list test --name');
S('create-xml-missing-file', 'snapshot-create test @FILES@/none.xml');
S('create-xml-empty', 'snapshot-create test @FILES@/s.xml', { 's.xml': '' });
S('create-xml-garbage', 'snapshot-create test @FILES@/s.xml', { 's.xml': 'garbage' });
S('create-xml-premature', 'snapshot-create test @FILES@/s.xml', { 's.xml': '<domainsnapshot>\n  <name>s1</name>\n' });
S('create-xml-mismatch', 'snapshot-create test @FILES@/s.xml', { 's.xml': '<domainsnapshot>\n  <name>s1</nam>\n</domainsnapshot>\n' });
S('create-xml-unclosed-attr', 'snapshot-create test @FILES@/s.xml', { 's.xml': "<domainsnapshot>\n  <disks><disk name='vda></disks>\n</domainsnapshot>\n" });
S('create-xml-bad-entity', 'snapshot-create test @FILES@/s.xml', { 's.xml': '<domainsnapshot><name>a&bogus;</name></domainsnapshot>\n' });
S('create-xml-two-roots', 'snapshot-create test @FILES@/s.xml', { 's.xml': '<domainsnapshot/><domainsnapshot/>\n' });
S('create-xml-wrong-root', 'snapshot-create test @FILES@/s.xml', { 's.xml': '<domain/>\n' });
S('create-xml-long-line', 'snapshot-create test @FILES@/s.xml', {
  's.xml': `<domainsnapshot><name>${'x'.repeat(120)}</name><description>${'y'.repeat(60)}</descr></domainsnapshot>\n`,
});
S('create-xml-state', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', '<state>shutoff</state>') });
S('create-xml-creation-time', 'snapshot-create test @FILES@/s.xml ; snapshot-dumpxml test s1', {
  's.xml': SNAP('s1', '<creationTime>1300000000</creationTime>'),
});
S('create-xml-disk-unknown', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', "<disks><disk name='vdz'/></disks>") });
S('create-xml-disk-manual', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', "<disks><disk name='vda' snapshot='manual'/></disks>") });
S('create-xml-disk-manual-unknown', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', "<disks><disk name='vdz' snapshot='manual'/></disks>") });
S('create-xml-disk-bad-mode', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', "<disks><disk name='vda' snapshot='bogus'/></disks>") });
S('create-xml-disk-twice', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', "<disks><disk name='vda'/><disk name='vda'/></disks>") });
S('create-xml-disk-by-path', 'snapshot-create test @FILES@/s.xml ; snapshot-dumpxml test s1', {
  's.xml': SNAP('s1', "<disks><disk name='/guest/diskimage1' snapshot='internal'/></disks>"),
});
S('create-xml-disk-path-manual', 'snapshot-create test @FILES@/s.xml', {
  's.xml': SNAP('s1', "<disks><disk name='/guest/diskimage1' snapshot='manual'/></disks>"),
});
S('create-xml-disk-external', 'snapshot-create test @FILES@/s.xml', {
  's.xml': SNAP('s1', "<disks><disk name='vda' snapshot='external'><source file='/tmp/e.qcow2'/></disk></disks>"),
});
S('create-xml-memory-external', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', "<memory snapshot='external' file='/tmp/m.save'/>") });
S('create-xml-memory-no', 'snapshot-create test @FILES@/s.xml ; snapshot-dumpxml test s1', { 's.xml': SNAP('s1', "<memory snapshot='no'/>") });
S('create-xml-memory-bad', 'snapshot-create test @FILES@/s.xml', { 's.xml': SNAP('s1', "<memory snapshot='bogus'/>") });
S('create-xml-validate-ok', 'snapshot-create test @FILES@/s.xml --validate ; snapshot-list test --name', { 's.xml': SNAP('s1') });
S('create-xml-validate-bad-child', 'snapshot-create test @FILES@/s.xml --validate', { 's.xml': SNAP('s1', '<nonsense/>') });
S('create-xml-validate-bad-disk', 'snapshot-create test @FILES@/s.xml --validate', {
  's.xml': SNAP('s1', "<disks><disk name='vda'><nonsense/></disk></disks>"),
});
S('create-xml-validate-bad-attr', 'snapshot-create test @FILES@/s.xml --validate', { 's.xml': SNAP('s1', "<disks><disk name='vda' bogus='x'/></disks>") });
S('create-xml-validate-bad-value', 'snapshot-create test @FILES@/s.xml --validate', {
  's.xml': SNAP('s1', "<disks><disk name='vda' snapshot='sometimes'/></disks>"),
});
S('create-xml-validate-bad-state', 'snapshot-create test @FILES@/s.xml --validate', { 's.xml': SNAP('s1', '<state>dancing</state>') });
S('create-xml-validate-order', 'snapshot-create test @FILES@/s.xml --validate ; snapshot-list test --name', {
  's.xml': '<domainsnapshot><description>d</description><name>s1</name></domainsnapshot>',
});
S('create-xml-unknown-child', 'snapshot-create test @FILES@/s.xml ; snapshot-dumpxml test s1', { 's.xml': SNAP('s1', '<nonsense/>') });
S('create-redefine', 'snapshot-create test @FILES@/s.xml --redefine ; snapshot-list test ; snapshot-current test --name', {
  's.xml': SNAP('r1', '<state>running</state><creationTime>1300000000</creationTime><domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></domain>'),
});
S('create-redefine-current', 'snapshot-create test @FILES@/s.xml --redefine --current ; snapshot-current test --name', {
  's.xml': SNAP('r1', '<state>running</state><creationTime>1300000000</creationTime><domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></domain>'),
});
S('create-redefine-no-domain', 'snapshot-create test @FILES@/s.xml --redefine ; snapshot-dumpxml test r1', { 's.xml': SNAP('r1', '<state>running</state>') });
S('create-redefine-wrong-uuid', 'snapshot-create test @FILES@/s.xml --redefine', {
  's.xml': SNAP('r1', '<state>running</state><domain><uuid>11111111-2222-3333-4444-555555555555</uuid></domain>'),
});
S('create-redefine-missing-parent', 'snapshot-create test @FILES@/s.xml --redefine', {
  's.xml': SNAP('r1', '<parent><name>ghost</name></parent><state>running</state>'),
});
S('create-redefine-no-name', 'snapshot-create test @FILES@/s.xml --redefine', { 's.xml': '<domainsnapshot><state>running</state></domainsnapshot>' });
S('create-current-without-redefine', 'snapshot-create test @FILES@/s.xml --current', { 's.xml': SNAP('s1') });
S(
  'create-redefine-existing',
  'snapshot-create-as test s1 ; snapshot-dumpxml test s1 > /dev/null ; snapshot-create test @FILES@/s.xml --redefine ; snapshot-info test s1',
  {
    's.xml': SNAP('s1', '<description>changed</description><state>running</state><creationTime>1300000000</creationTime>'),
  },
);

// Build a small tree on test:///default and read it every way.
const TREE = 'snapshot-create-as test a ; snapshot-create-as test b ; snapshot-revert test a ; snapshot-create-as test c ; snapshot-create-as test d';
const TREE_READS = [
  'snapshot-list test',
  'snapshot-list test --parent',
  'snapshot-list test --roots',
  'snapshot-list test --leaves',
  'snapshot-list test --no-leaves',
  'snapshot-list test --tree',
  'snapshot-list test --name',
  'snapshot-list test --topological',
  'snapshot-list test --topological --name',
  'snapshot-list test --from a',
  'snapshot-list test --from a --descendants',
  'snapshot-list test --from a --tree',
  'snapshot-list test --current',
  'snapshot-list test --current --descendants',
  'snapshot-list test --metadata',
  'snapshot-list test --no-metadata',
  'snapshot-list test --inactive',
  'snapshot-list test --active',
  'snapshot-list test --disk-only',
  'snapshot-list test --internal',
  'snapshot-list test --external',
  'snapshot-list test --from a --roots',
  'snapshot-list test --tree --name',
  'snapshot-list test --parent --roots',
  'snapshot-list test --leaves --no-leaves',
  'snapshot-list test --from nosuch',
  'snapshot-list test --roots --from a',
  'snapshot-list test --tree --roots',
  'snapshot-list test --descendants',
  'snapshot-info test a',
  'snapshot-info test c',
  'snapshot-info test --current',
  'snapshot-info test nosuch',
  'snapshot-info test',
  'snapshot-parent test c',
  'snapshot-parent test a',
  'snapshot-parent test --current',
  'snapshot-parent test nosuch',
  'snapshot-current test',
  'snapshot-current test --name',
  'snapshot-current test --security-info',
  'snapshot-current test b',
  'snapshot-current test nosuch',
  'snapshot-dumpxml test b',
  'snapshot-dumpxml test b --security-info',
  'snapshot-dumpxml test nosuch',
  'snapshot-dumpxml test d --no-domain',
  'snapshot-dumpxml test d --size',
  'snapshot-dumpxml test',
];
for (const read of TREE_READS)
  S(
    `tree/${read
      .replace(/^snapshot-/, '')
      .replaceAll(' --', '-')
      .replaceAll(' ', '-')}`,
    `${TREE} ; ${read}`,
  );
const TREE_CHANGES = [
  ['revert-a', 'snapshot-revert test a ; snapshot-current test --name ; domstate test --reason'],
  ['revert-current', 'snapshot-revert test --current ; snapshot-current test --name'],
  ['revert-running', 'destroy test ; snapshot-revert test a --running ; domstate test --reason'],
  ['revert-paused', 'snapshot-revert test a --paused ; domstate test --reason'],
  ['revert-running-paused', 'snapshot-revert test a --running --paused'],
  ['revert-force', 'snapshot-revert test a --force ; domstate test'],
  ['revert-reset-nvram', 'snapshot-revert test a --reset-nvram'],
  ['revert-missing', 'snapshot-revert test nosuch'],
  ['revert-no-arg', 'snapshot-revert test'],
  ['delete-leaf', 'snapshot-delete test d ; snapshot-list test --tree ; snapshot-current test --name'],
  ['delete-middle', 'snapshot-delete test a ; snapshot-list test --parent'],
  ['delete-children', 'snapshot-delete test a --children ; snapshot-list test'],
  ['delete-children-only', 'snapshot-delete test a --children-only ; snapshot-list test --tree'],
  ['delete-metadata', 'snapshot-delete test a --metadata ; snapshot-list test --name'],
  ['delete-current', 'snapshot-delete test --current ; snapshot-current test'],
  ['delete-missing', 'snapshot-delete test nosuch'],
  ['delete-no-arg', 'snapshot-delete test'],
  ['delete-children-children-only', 'snapshot-delete test a --children --children-only'],
  [
    'delete-all-one-by-one',
    'snapshot-delete test d ; snapshot-delete test c ; snapshot-delete test b ; snapshot-delete test a ; snapshot-list test ; snapshot-current test',
  ],
  ['create-after-revert', 'snapshot-revert test b ; snapshot-create-as test e ; snapshot-list test --tree'],
  ['destroy-revert-running', 'destroy test ; snapshot-revert test c ; domstate test --reason'],
  ['halt-then-revert', 'snapshot-create-as test h --halt ; start test ; snapshot-revert test h ; domstate test --reason'],
  ['edit-unchanged', 'snapshot-edit test a'],
  ['edit-current', 'snapshot-edit test --current'],
  ['edit-missing', 'snapshot-edit test nosuch'],
];
for (const [id, command] of TREE_CHANGES) S(`tree/${id}`, `${TREE} ; ${command}`);

// --- snapshots on node files ------------------------------------------------------------------------
const N = (host, id, command, files) => add(host, `${host.replace(/\.xml$/, '')}/snap/${id}`, command, files ? { files } : {});
N('lifecycle.xml', 'legacy-list', 'snapshot-list legacy ; snapshot-list legacy --tree ; snapshot-list legacy --parent ; snapshot-list legacy --topological');
N('lifecycle.xml', 'legacy-info', 'snapshot-info legacy old ; snapshot-info legacy newer ; snapshot-info legacy --current');
N('lifecycle.xml', 'legacy-dumpxml', 'snapshot-dumpxml legacy old ; snapshot-dumpxml legacy newer ; snapshot-dumpxml legacy newer --security-info');
N('lifecycle.xml', 'legacy-parent', 'snapshot-parent legacy newer ; snapshot-parent legacy old');
N('lifecycle.xml', 'legacy-revert-old', 'snapshot-revert legacy old ; snapshot-current legacy --name ; domstate legacy --reason');
N('lifecycle.xml', 'legacy-delete-old', 'snapshot-delete legacy old ; snapshot-list legacy --parent');
N('lifecycle.xml', 'legacy-delete-children', 'snapshot-delete legacy old --children ; snapshot-list legacy');
N('lifecycle.xml', 'legacy-create', 'snapshot-create-as legacy third ; snapshot-list legacy --tree ; snapshot-dumpxml legacy third');
N('lifecycle.xml', 'one-create', 'snapshot-create-as one s1 ; snapshot-dumpxml one s1');
N('lifecycle.xml', 'one-create-disk-only', 'snapshot-create-as one s1 --disk-only');
N('lifecycle.xml', 'one-create-disk-only-spec', 'snapshot-create-as one s1 --disk-only --diskspec vda,file=/images/one-s1.qcow2');
N('lifecycle.xml', 'one-create-atomic', 'snapshot-create-as one s1 --atomic');
N('lifecycle.xml', 'one-create-external-memory', 'snapshot-create-as one s1 --memspec file=/images/one.mem');
N('lifecycle.xml', 'off-create', 'snapshot-create-as off s1 ; snapshot-info off s1 ; snapshot-dumpxml off s1');
N('lifecycle.xml', 'two-create-diskspec', 'snapshot-create-as two s1 --diskspec vdb,snapshot=no ; snapshot-dumpxml two s1');
N('lifecycle.xml', 'two-create-manual', 'snapshot-create-as two s1 --diskspec vda,snapshot=manual');
N('lifecycle.xml', 'two-create-path', 'snapshot-create-as two s1 --diskspec /flaky/two-b.qcow2,snapshot=no ; snapshot-dumpxml two s1');
N('lifecycle.xml', 'two-create-path-unknown', 'snapshot-create-as two s1 --diskspec /flaky/other.qcow2,snapshot=no');
N('lifecycle.xml', 'fleeting-create', 'snapshot-create-as fleeting s1 ; snapshot-list fleeting');
N('lifecycle.xml', 'legacy-edit', 'snapshot-edit legacy old');
N('two-disks.xml', 'vm2-create', 'snapshot-create-as vm2 s1 ; snapshot-dumpxml vm2 s1');
N('two-disks.xml', 'vm2-create-xml', 'snapshot-create vm2 @FILES@/s.xml ; snapshot-dumpxml vm2 s1', {
  's.xml': SNAP('s1', "<disks><disk name='vdb' snapshot='no'/></disks>"),
});
N('two-disks.xml', 'off2-create', 'snapshot-create-as off2 s1 ; snapshot-info off2 s1');
N(
  'two-disks.xml',
  'vm2-tree',
  'snapshot-create-as vm2 a ; snapshot-create-as vm2 b ; snapshot-revert vm2 a ; snapshot-create-as vm2 c ; snapshot-list vm2 --topological ; snapshot-list vm2 --tree',
);
N('everyday.xml', 'rich-create', 'snapshot-create-as rich s1 ; snapshot-dumpxml rich s1');
N('everyday.xml', 'rich-create-security', 'snapshot-create-as rich s1 ; snapshot-dumpxml rich s1 --security-info');
N('everyday.xml', 'paused-create', 'snapshot-create-as paused s1 ; snapshot-info paused s1');

// --- piped scripts (commands from a non-tty stdin) ----------------------------------------------------
add('default', 'default/stdin/list', [], { stdin: 'list --all\ndominfo test\n' });
add('default', 'default/stdin/error-continues', [], { stdin: 'dominfo nosuch\nlist\n' });
add('default', 'default/stdin/quit', [], { stdin: 'list\nquit\nlist --all\n' });
add('default', 'default/stdin/comments-blank', [], { stdin: '# a comment\n\nlist\n' });
add('default', 'default/stdin/semicolons', [], { stdin: 'suspend test ; domstate test\nresume test\n' });
add('default', 'default/stdin/unknown', [], { stdin: 'bogus\nuri\n' });
add('default', 'default/stdin/state-across-lines', [], { stdin: 'snapshot-create-as test s1\nsnapshot-list test --name\n' });

// --- option parsing -----------------------------------------------------------------------------------
add('default', 'default/opt/equals', 'dominfo --domain=test');
add('default', 'default/opt/double-dash', 'snapshot-create-as test -- --weird');
add('default', 'default/opt/unknown-option', 'list --bogus');
add('default', 'default/opt/missing-value', 'snapshot-list test --from');
add('default', 'default/opt/repeated', 'list --all --all');
add('default', 'default/opt/quote-unterminated', 'echo "abc');
add('default', 'default/opt/backslash', 'echo a\\ b');
add('default', 'default/opt/empty-command', ';');
add('default', 'default/opt/trailing-semicolon', 'uri ;');
add('default', 'default/opt/abbrev', 'list --al');

export const virshCases = cases;
