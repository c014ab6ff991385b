// <domainsnapshot> disks as libvirt 9.0 parses, validates and formats them: network and nvme sources, seclabels, metadata_cache.
// Every expected value was recorded from libvirt 9.0's test driver (python3-libvirt, test:///default).
import { describe, expect, it } from 'vitest';
import { formatSnapshotXml, parseSnapshotXml } from '../src/xml.js';

const snap = (disks: string) => `<domainsnapshot><name>s</name><disks>${disks}</disks></domainsnapshot>`;
const errorOf = (xml: string, validate = false) => {
  try {
    parseSnapshotXml(xml, { validate });
  } catch (error) {
    const e = error as { code: number; domain: number; message: string };
    return { code: e.code, domain: e.domain, message: e.message };
  }
  throw new Error('parsed');
};
const disksOf = (xml: string) => {
  const out = formatSnapshotXml(parseSnapshotXml(xml), { secure: true });
  return out.slice(out.indexOf('  <disks>'), out.indexOf('</disks>') + '</disks>'.length);
};
const SCHEMA_ERROR = {
  code: 92,
  domain: 5,
  message:
    'XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\n' +
    'Extra element disks in interleave\nElement domainsnapshot failed to validate content\n',
};

describe('snapshot disks of other storage types', () => {
  it('parses a network target and formats it back as libvirt (the image name without its pool is its path)', () => {
    const net =
      "<disk name='hdh' snapshot='external' type='network'><source protocol='rbd' name='vol/name'>" +
      "<host name='host' port='1234'/><host name='host2' port='1234' transport='rdma'/></source></disk>";
    const def = parseSnapshotXml(snap(net));
    expect(def.disks[0]).toMatchObject({ name: 'hdh', snapshot: 'external', type: 'network', source: 'name' });
    expect(disksOf(snap(net))).toBe(
      [
        '  <disks>',
        "    <disk name='hdh' snapshot='external' type='network'>",
        "      <source protocol='rbd' name='vol/name'>",
        "        <host name='host' port='1234'/>",
        "        <host name='host2' port='1234' transport='rdma'/>",
        '      </source>',
        '    </disk>',
        '  </disks>',
      ].join('\n'),
    );
    // Valid for libvirt's schema too.
    expect(() => parseSnapshotXml(snap(net), { validate: true })).not.toThrow();
  });

  it('defaults a network disk without image name (nbd) or source to no external image', () => {
    expect(
      parseSnapshotXml(snap("<disk name='vda' type='network'><source protocol='nbd'><host name='h'/></source></disk>")).disks[0]!.snapshot,
    ).toBeUndefined();
    expect(parseSnapshotXml(snap("<disk name='vda' type='network'/>")).disks[0]!.snapshot).toBeUndefined();
  });

  it("refuses a network source as libvirt's virDomainDiskSourceNetworkParse does", () => {
    const net = (source: string) => snap(`<disk name='vda' type='network'>${source}</disk>`);
    expect(errorOf(net("<source name='x/y'/>"))).toEqual({
      code: 27,
      domain: 5,
      message: "XML error: Missing required attribute 'protocol' in element 'source'",
    });
    expect(errorOf(net("<source protocol='foo' name='x/y'/>"))).toEqual({
      code: 27,
      domain: 5,
      message: "XML error: Invalid value for attribute 'protocol' in element 'source': 'foo'.",
    });
    expect(errorOf(net("<source protocol='rbd'/>"))).toEqual({ code: 27, domain: 20, message: 'XML error: missing name for disk source' });
    expect(errorOf(net("<source protocol='gluster' name='vol'/>"))).toEqual({
      code: 27,
      domain: 20,
      message: "XML error: can't split path 'vol' into pool name and image name",
    });
    expect(errorOf(net("<source protocol='rbd' name='a/b'><host port='1'/></source>"))).toEqual({
      code: 27,
      domain: 20,
      message: 'XML error: missing name for host',
    });
    expect(errorOf(net("<source protocol='rbd' name='a/b'><host name='h' transport='x'/></source>"))).toEqual({
      code: 67,
      domain: 20,
      message: "unsupported configuration: unknown protocol transport type 'x'",
    });
  });

  it('accepts nvme, refuses volume and dir, and checks only local paths for being absolute', () => {
    expect(errorOf(snap("<disk name='vda' type='volume'><source pool='p' volume='v'/></disk>"))).toEqual({
      code: 27,
      domain: 35,
      message: "XML error: unsupported disk snapshot type 'volume'",
    });
    expect(errorOf(snap("<disk name='vda' type='nvme'><source/></disk>"))).toEqual({
      code: 27,
      domain: 20,
      message: "XML error: missing 'type' attribute to disk source",
    });
    expect(parseSnapshotXml(snap("<disk name='vda' type='nvme'><source type='pci' namespace='1'/></disk>")).disks[0]!.type).toBe('nvme');
    expect(errorOf(snap("<disk name='vda' type='block'><source dev='rel'/></disk>"))).toEqual({
      code: 27,
      domain: 35,
      message: "XML error: disk snapshot image path 'rel' must be absolute",
    });
  });
});

describe('what a local snapshot disk keeps', () => {
  it("keeps a source's seclabel and formats it back (libvirt's disk-seclabel case)", () => {
    const xml = snap("<disk name='hde' snapshot='external' type='file'><source file='/path/to/new2'><seclabel model='dac' relabel='no'/></source></disk>");
    expect(disksOf(xml)).toBe(
      [
        '  <disks>',
        "    <disk name='hde' snapshot='external' type='file'>",
        "      <source file='/path/to/new2'>",
        "        <seclabel model='dac' relabel='no'/>",
        '      </source>',
        '    </disk>',
        '  </disks>',
      ].join('\n'),
    );
    expect(errorOf(snap("<disk name='vda'><source file='/a'><seclabel relabel='maybe'/></source></disk>"))).toEqual({
      code: 27,
      domain: 5,
      message: "XML error: Invalid value for attribute 'relabel' in element 'seclabel': 'maybe'.",
    });
  });

  it('keeps the metadata cache size, in bytes (qcow2-metadata-cache)', () => {
    const xml = snap(
      "<disk name='hdd' snapshot='external'><source file='/path/to/new'/><driver type='qcow2'><metadata_cache><max_size unit='KiB'>2</max_size></metadata_cache></driver></disk>",
    );
    expect(parseSnapshotXml(xml).disks[0]!.metadataCacheMaxSize).toBe(2048);
    expect(disksOf(xml)).toContain(
      "      <driver type='qcow2'>\n        <metadata_cache>\n          <max_size unit='bytes'>2048</max_size>\n        </metadata_cache>\n      </driver>\n      <source file='/path/to/new'/>",
    );
    expect(errorOf(xml.replace('>2<', '>x<'))).toEqual({
      code: 27,
      domain: 5,
      message: "XML error: Invalid value 'x' for element or attribute './driver/metadata_cache/max_size'",
    });
    expect(parseSnapshotXml(xml.replace('>2<', '>0<')).disks[0]!.metadataCacheMaxSize).toBeUndefined();
  });
});

describe('an interrupted delete (<snapshotDeleteInProgress/>)', () => {
  const redefined = (disk: string) =>
    `<domainsnapshot><name>r</name><creationTime>1</creationTime><state>running</state><disks>${disk}</disks></domainsnapshot>`;
  it('is kept with REDEFINE and formatted first in its disk, and ignored otherwise, as libvirt', () => {
    const xml = redefined("<disk name='vda' snapshot='internal'><snapshotDeleteInProgress/></disk>");
    const out = formatSnapshotXml(parseSnapshotXml(xml, { redefine: true }), { secure: true });
    expect(out).toContain("  <disks>\n    <disk name='vda' snapshot='internal'>\n      <snapshotDeleteInProgress/>\n    </disk>\n  </disks>\n");
    expect(parseSnapshotXml(snap("<disk name='vda' snapshot='internal'><snapshotDeleteInProgress/></disk>")).disks[0]!.deleteInProgress).toBeUndefined();
  });
});

describe("VALIDATE: libvirt's domainsnapshot.rng for disks", () => {
  it('refuses what the schema does not allow in a disk, where the parser alone accepts it', () => {
    // A seclabel inside a network source (libvirt's disk-network-seclabel-invalid).
    expect(
      errorOf(
        snap(
          "<disk name='hdg' snapshot='external' type='network'><source protocol='gluster' name='v/p'><host name='h'/><seclabel model='dac' relabel='no'/></source></disk>",
        ),
        true,
      ),
    ).toEqual(SCHEMA_ERROR);
    // startupPolicy on a snapshot source (libvirt's disk-invalid).
    expect(errorOf(snap("<disk name='vda' snapshot='external'><source file='/tmp/foo' startupPolicy='optional'/><driver/></disk>"), true)).toEqual(
      SCHEMA_ERROR,
    );
    // A network disk without a source, and a network source without protocol.
    expect(errorOf(snap("<disk name='vda' type='network'/>"), true)).toEqual(SCHEMA_ERROR);
    expect(errorOf(snap("<disk name='vda' type='network'><source name='x/y'/></disk>"), true)).toEqual(SCHEMA_ERROR);
    // Storage beside an internal snapshot.
    expect(errorOf(snap("<disk name='vda' snapshot='internal' type='network'><source protocol='rbd' name='a/b'/></disk>"), true)).toEqual(SCHEMA_ERROR);
  });

  it("accepts the disks of libvirt's disk_snapshot input", () => {
    const disks =
      "<disk name='/dev/HostVG/QEMUGuest1'/><disk name='hdb' snapshot='no'/><disk name='hdc' snapshot='internal'/>" +
      "<disk name='hdd' snapshot='external'><source/><driver type='qed'/></disk>" +
      "<disk name='hdf' snapshot='external' type='block'><source dev='/path/to/new3'/></disk>" +
      "<disk name='hdg' snapshot='external' type='network'><source protocol='gluster' name='volume/path'><host name='host' port='1234'/></source></disk>";
    expect(() => parseSnapshotXml(snap(disks), { validate: true })).not.toThrow();
  });
});
