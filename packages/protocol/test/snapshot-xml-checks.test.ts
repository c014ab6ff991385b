// <domainsnapshot> checks outside the disks, and VALIDATE against libvirt 9.0's domainsnapshot.rng: errors recorded from libvirt 9.0.
import { describe, expect, it } from 'vitest';
import { parseSnapshotXml } from '../src/xml.js';

const errorOf = (xml: string, options: Parameters<typeof parseSnapshotXml>[1] = {}) => {
  try {
    parseSnapshotXml(xml, options);
  } catch (error) {
    const e = error as { code: number; domain: number; message: string };
    return { code: e.code, domain: e.domain, message: e.message };
  }
  throw new Error('parsed');
};
const schemaError = (element: string) => ({
  code: 92,
  domain: 5,
  message:
    'XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\n' +
    `Extra element ${element} in interleave\nElement domainsnapshot failed to validate content\n`,
});
const snap = (body: string) => `<domainsnapshot><name>p</name>${body}</domainsnapshot>`;
const disk = (inner: string) => snap(`<disks>${inner}</disks>`);

describe('VALIDATE refuses what domainsnapshot.rng refuses, before the parser sees it', () => {
  it('memory: manual, a file without external, external without a file, a relative file', () => {
    for (const memory of [
      "<memory snapshot='manual'/>",
      "<memory snapshot='no' file='/m'/>",
      "<memory snapshot='external'/>",
      "<memory file='m.img'/>",
      '<memory/>',
    ]) {
      expect(errorOf(snap(memory), { validate: true })).toEqual(schemaError('memory'));
    }
    expect(() => parseSnapshotXml(snap("<memory file='/m.img'/>"), { validate: true })).not.toThrow();
    expect(() => parseSnapshotXml(snap("<memory snapshot='no'/>"), { validate: true })).not.toThrow();
  });

  it("state: neither 'nostate' nor 'pmsuspended'", () => {
    for (const state of ['nostate', 'pmsuspended']) {
      expect(errorOf(snap(`<state>${state}</state><creationTime>1</creationTime>`), { validate: true, redefine: true })).toEqual(schemaError('state'));
    }
  });

  it('disks: an empty or relative source, a format without backing, a bad unit, a unix host without socket, a tcp host with one, an empty name', () => {
    for (const inner of [
      "<disk name='vda'><source file=''/></disk>",
      "<disk name='vda'><source file='rel.qcow2'/></disk>",
      "<disk name='vda'><source file='/o.raw'/><driver type='raw'/></disk>",
      "<disk name='vda'><source file='/n'/><driver type='qcow2'><metadata_cache><max_size unit='zz'>3</max_size></metadata_cache></driver></disk>",
      "<disk name='vda'><source file='/n'/><driver type='qcow2'><metadata_cache><max_size>x</max_size></metadata_cache></driver></disk>",
      "<disk name='vda' type='network'><source protocol='nbd' name='e'><host transport='unix'/></source></disk>",
      "<disk name='vda' type='network'><source protocol='nbd' name='e'><host name='h' socket='/s'/></source></disk>",
      "<disk name='' snapshot='internal'/>",
    ]) {
      expect(errorOf(disk(inner), { validate: true })).toEqual(schemaError('disks'));
    }
  });
});

describe('parser checks', () => {
  it('reads creationTime as strtoll does: leading blanks and a sign, nothing after, 64 bits', () => {
    const redefined = (time: string) => `<domainsnapshot><name>p</name><state>running</state><creationTime>${time}</creationTime></domainsnapshot>`;
    expect(parseSnapshotXml(redefined(' 12'), { redefine: true }).creationTime).toBe(12);
    expect(parseSnapshotXml(redefined('+7'), { redefine: true }).creationTime).toBe(7);
    const missing = { code: 1, domain: 35, message: 'internal error: missing creationTime from existing snapshot' };
    for (const bad of ['12 ', ' 12 ', '9223372036854775808', '1.5', '0x10', '']) expect(errorOf(redefined(bad), { redefine: true })).toEqual(missing);
  });

  it('takes an empty disk name as a name (alignment then finds no such disk)', () => {
    expect(parseSnapshotXml(disk("<disk name='' snapshot='internal'/>")).disks[0]!.name).toBe('');
    expect(errorOf(disk("<disk snapshot='internal'/>"))).toEqual({ code: 1, domain: 35, message: 'internal error: missing name from disk snapshot element' });
  });

  it("words a socket on a host without transport as libvirt does ('(null)'), and an overflowing size as numerical overflow", () => {
    expect(errorOf(disk("<disk name='vda' type='network'><source protocol='nbd' name='e'><host name='h' socket='/s'/></source></disk>"))).toEqual({
      code: 27,
      domain: 20,
      message: "XML error: transport '(null)' does not support socket attribute",
    });
    expect(
      errorOf(
        disk("<disk name='vda'><source file='/n'/><driver type='qcow2'><metadata_cache><max_size unit='EiB'>99</max_size></metadata_cache></driver></disk>"),
      ),
    ).toEqual({
      code: 82,
      domain: 0,
      message: 'numerical overflow: value too large: 99EiB',
    });
  });

  it('gives vhost and nvme sources no image path: such a disk is not external by default', () => {
    expect(parseSnapshotXml(disk("<disk name='vda' type='vhostuser'><source type='unix' path='/tmp/v.sock'/></disk>")).disks[0]!.snapshot).toBeUndefined();
  });
});
