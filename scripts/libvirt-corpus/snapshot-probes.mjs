// Hand-written <domainsnapshot> probes (written for virtwire, not libvirt's files) for what libvirt's own inputs leave out.
const DOMAIN_6695 =
  "<domain type='test'><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>8388608</memory><os><type>hvm</type></os>" +
  "<devices><disk type='file' device='disk'><source file='/guest/diskimage1'/><target dev='vda' bus='virtio'/></disk></devices></domain>";
const snap = (body) => `<domainsnapshot>${body}</domainsnapshot>`;
const redefined = (state, body, domain = DOMAIN_6695) => snap(`<name>p</name><state>${state}</state><creationTime>5</creationTime>${body}${domain}`);
const disk = (inner) => snap(`<name>p</name><disks>${inner}</disks>`);

/** `{id, xml}` pairs, each id under `probe/`. */
export const PROBES = Object.entries({
  'delete-in-progress': redefined('running', "<disks><disk name='vda' snapshot='internal'><snapshotDeleteInProgress/></disk></disks>"),
  'cookie-running': redefined(
    'running',
    "<memory snapshot='internal'/><cookie><cpu mode='custom' match='exact'><model>qemu64</model></cpu><slirpHelper/></cookie>",
  ),
  'cookie-shutoff': redefined('shutoff', "<cookie><cpu mode='custom' match='exact'><model>qemu64</model></cpu></cookie>"),
  'active-element': redefined('running', '<active>1</active>'),
  'revert-disks': redefined('running', "<revertDisks><disk name='vda' snapshot='external'><source file='/guest/r.qcow2'/></disk></revertDisks>"),
  'inactive-domain': redefined('running', DOMAIN_6695.replace('<domain', '<inactiveDomain').replace('</domain>', '</inactiveDomain>')),
  'state-nostate': redefined('nostate', ''),
  'state-bogus': redefined('bogus', ''),
  'state-missing': snap(`<name>p</name><creationTime>5</creationTime>${DOMAIN_6695}`),
  'state-pmsuspended': redefined('pmsuspended', ''),
  'state-disk-snapshot-memory': redefined('disk-snapshot', "<memory snapshot='internal'/>"),
  'creation-empty': snap(`<name>p</name><state>running</state><creationTime></creationTime>${DOMAIN_6695}`),
  'creation-text': snap(`<name>p</name><state>running</state><creationTime>abc</creationTime>${DOMAIN_6695}`),
  'creation-negative': snap(`<name>p</name><state>running</state><creationTime>-7</creationTime>${DOMAIN_6695}`),
  'creation-spaces': snap(`<name>p</name><state>running</state><creationTime> 12 </creationTime>${DOMAIN_6695}`),
  'creation-huge': snap(`<name>p</name><state>running</state><creationTime>99999999999999999999</creationTime>${DOMAIN_6695}`),
  'creation-fraction': snap(`<name>p</name><state>running</state><creationTime>1.5</creationTime>${DOMAIN_6695}`),
  'creation-hex': snap(`<name>p</name><state>running</state><creationTime>0x10</creationTime>${DOMAIN_6695}`),
  'parent-empty': redefined('running', '<parent><name></name></parent>'),
  'parent-self': snap(`<name>p</name><state>running</state><creationTime>5</creationTime><parent><name>p</name></parent>${DOMAIN_6695}`),
  'name-empty': snap('<name></name>'),
  'name-spaces': snap('<name> spaced </name>'),
  'description-markup': snap('<name>p</name><description>a &amp; b &lt;c&gt; "d" \'e\'</description>'),
  'unknown-element': snap('<name>p</name><bogus/>'),
  'root-attribute': '<domainsnapshot foo="bar"><name>p</name></domainsnapshot>',
  'wrong-root': '<snapshot><name>p</name></snapshot>',
  'not-well-formed': '<domainsnapshot><name>p</domainsnapshot>',
  'memory-manual': snap("<name>p</name><memory snapshot='manual'/>"),
  'memory-bogus': snap("<name>p</name><memory snapshot='bogus'/>"),
  'memory-no-file': snap("<name>p</name><memory snapshot='no' file='/m'/>"),
  'memory-external-nofile': snap("<name>p</name><memory snapshot='external'/>"),
  'memory-relative': snap("<name>p</name><memory file='m.img'/>"),
  'memory-no': snap("<name>p</name><memory snapshot='no'/>"),
  'disk-noname': disk("<disk snapshot='internal'/>"),
  'disk-emptyname': disk("<disk name='' snapshot='internal'/>"),
  'disk-bymanual': disk("<disk name='vda' snapshot='manual'/>"),
  'disk-bogus-mode': disk("<disk name='vda' snapshot='bogus'/>"),
  'disk-bogus-type': disk("<disk name='vda' type='bogus'/>"),
  'disk-dir-type': disk("<disk name='vda' type='dir'/>"),
  'disk-by-path': disk("<disk name='/guest/diskimage1' snapshot='internal'/>"),
  'disk-twice': disk("<disk name='vda' snapshot='internal'/><disk name='vda' snapshot='internal'/>"),
  'disk-unknown': disk("<disk name='vdz' snapshot='internal'/>"),
  'disk-no': disk("<disk name='vda' snapshot='no'/>"),
  'disk-driver-bogus': disk("<disk name='vda'><driver type='bogus'/></disk>"),
  'disk-driver-raw': disk("<disk name='vda'><source file='/guest/o.raw'/><driver type='raw'/></disk>"),
  'disk-source-empty': disk("<disk name='vda'><source file=''/></disk>"),
  'disk-source-relative': disk("<disk name='vda'><source file='rel.qcow2'/></disk>"),
  'disk-internal-with-file': disk("<disk name='vda' snapshot='internal'><source file='/guest/x.qcow2'/></disk>"),
  'disk-block-seclabel': disk("<disk name='vda' type='block'><source dev='/guest/blk'><seclabel model='dac' relabel='no'/></source></disk>"),
  'disk-nvme': disk(
    "<disk name='vda' type='nvme'><source type='pci' managed='yes' namespace='1'><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></disk>",
  ),
  'disk-vhostuser': disk("<disk name='vda' type='vhostuser'><source type='unix' path='/tmp/vhost.sock'/></disk>"),
  'net-iscsi': disk(
    "<disk name='vda' type='network'><source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'><host name='example.com' port='3260'/></source></disk>",
  ),
  'net-http-query': disk("<disk name='vda' type='network'><source protocol='http' name='/img.qcow2' query='a=b'><host name='example.com'/></source></disk>"),
  'net-unix': disk("<disk name='vda' type='network'><source protocol='nbd' name='exp'><host transport='unix' socket='/tmp/nbd.sock'/></source></disk>"),
  'net-unix-nosocket': disk("<disk name='vda' type='network'><source protocol='nbd' name='exp'><host transport='unix'/></source></disk>"),
  'net-tcp-socket': disk("<disk name='vda' type='network'><source protocol='nbd' name='exp'><host name='h' socket='/s'/></source></disk>"),
  'net-tls': disk("<disk name='vda' type='network'><source protocol='nbd' name='exp' tls='yes'><host name='h'/></source></disk>"),
  'net-none': disk("<disk name='vda' type='network'><source protocol='none' name='x'/></disk>"),
  'cache-units-mb': disk(
    "<disk name='vda'><source file='/tmp/n.qcow2'/><driver type='qcow2'><metadata_cache><max_size unit='MB'>3</max_size></metadata_cache></driver></disk>",
  ),
  'cache-no-unit': disk(
    "<disk name='vda'><source file='/tmp/n.qcow2'/><driver type='qcow2'><metadata_cache><max_size>77</max_size></metadata_cache></driver></disk>",
  ),
  'cache-bad-unit': disk(
    "<disk name='vda'><source file='/tmp/n.qcow2'/><driver type='qcow2'><metadata_cache><max_size unit='zz'>3</max_size></metadata_cache></driver></disk>",
  ),
  'cache-overflow': disk(
    "<disk name='vda'><source file='/tmp/n.qcow2'/><driver type='qcow2'><metadata_cache><max_size unit='EiB'>99</max_size></metadata_cache></driver></disk>",
  ),
  'cache-empty': disk("<disk name='vda'><source file='/tmp/n.qcow2'/><driver type='qcow2'><metadata_cache/></driver></disk>"),
}).map(([id, xml]) => ({ id: `probe/${id}`, xml }));
