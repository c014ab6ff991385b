// The qemu save cookie of a snapshot (<cookie>): kept and formatted after <inactiveDomain> as libvirt 9.0's qemu driver does.
import { describe, expect, it } from 'vitest';
import { formatSnapshotXml, parseSnapshotXml } from '../src/xml.js';

const CPU = "<cpu mode='custom' match='exact' check='full'><model fallback='forbid'>qemu64</model><feature policy='require' name='x2apic'/></cpu>";
const snapshot = (state: string, cookie: string) =>
  `<domainsnapshot><name>s</name><state>${state}</state><creationTime>1</creationTime><memory snapshot='internal'/>${cookie}</domainsnapshot>`;

describe('snapshot save cookie', () => {
  it('keeps the first <cpu> and <slirpHelper/> of a running snapshot for a driver with a save cookie, and formats them last', () => {
    const def = parseSnapshotXml(snapshot('running', `<cookie>${CPU}<other/><slirpHelper/></cookie>`), { redefine: true, saveCookie: true });
    expect(formatSnapshotXml(def, { secure: false })).toBe(
      [
        '<domainsnapshot>',
        '  <name>s</name>',
        '  <state>running</state>',
        '  <creationTime>1</creationTime>',
        "  <memory snapshot='internal'/>",
        '  <cookie>',
        "    <cpu mode='custom' match='exact' check='full'>",
        "      <model fallback='forbid'>qemu64</model>",
        "      <feature policy='require' name='x2apic'/>",
        '    </cpu>',
        '    <slirpHelper/>',
        '  </cookie>',
        '</domainsnapshot>',
        '',
      ].join('\n'),
    );
  });

  it('drops the cookie of an offline snapshot, and every cookie for a driver without one (the test driver)', () => {
    const offline = `<domainsnapshot><name>s</name><state>shutoff</state><creationTime>1</creationTime><cookie>${CPU}</cookie></domainsnapshot>`;
    expect(parseSnapshotXml(offline, { redefine: true, saveCookie: true }).cookie).toBeUndefined();
    expect(parseSnapshotXml(snapshot('running', `<cookie>${CPU}</cookie>`), { redefine: true }).cookie).toBeUndefined();
  });

  it('drops the cookie of a new snapshot parsed offline (PARSE_OFFLINE: a shut-off domain or DISK_ONLY), and refuses its memory state', () => {
    const created = (body: string) => `<domainsnapshot><name>s</name>${body}<cookie>${CPU}</cookie></domainsnapshot>`;
    expect(parseSnapshotXml(created(''), { saveCookie: true, offline: true }).cookie).toBeUndefined();
    expect(parseSnapshotXml(created(''), { saveCookie: true }).cookie?.cpu?.name).toBe('cpu');
    expect(() => parseSnapshotXml(created("<memory snapshot='internal'/>"), { saveCookie: true, offline: true })).toThrow(
      'XML error: memory state cannot be saved with offline or disk-only snapshot',
    );
    // Before the memory file's path is looked at (recorded from qemu:///session).
    expect(() => parseSnapshotXml(created("<memory file='m.img'/>"), { offline: true })).toThrow(
      'XML error: memory state cannot be saved with offline or disk-only snapshot',
    );
  });
});
