// Unit tests of vwsh's output formats: virsh's tables, tree, creation times and snapshot-create-as XML.
import { describe, expect, it } from 'vitest';
import { buildSnapshotXml, splitSpec } from '../src/commands/snapshot-spec.js';
import { formatCreationTime } from '../src/format/creation-time.js';
import { formatTable } from '../src/format/vsh-table.js';
import { formatTree } from '../src/format/vsh-tree.js';
import { escapeXml } from '../src/format/xml-escape.js';

describe('formatTable', () => {
  it('pads columns to their widest cell, rules them, and leaves the last cell unpadded', () => {
    expect(formatTable(['Id', 'Name', 'State'], [['1', 'test', 'running']], true)).toBe(' Id   Name   State\n----------------------\n 1    test   running\n');
    expect(formatTable(['Name', 'Creation Time', 'State'], [], true)).toBe(' Name   Creation Time   State\n-------------------------------\n');
    expect(formatTable(['A', 'B'], [['x', '']], true)).toBe(' A   B\n--------\n x   \n');
  });

  it('sizes columns from the rows alone without a header (-q)', () => {
    expect(
      formatTable(
        ['Id', 'Name', 'State'],
        [
          ['1', 'test', 'running'],
          ['-', 'alpha', 'shut off'],
        ],
        false,
      ),
    ).toBe(' 1   test    running\n -   alpha   shut off\n');
  });
});

describe('formatTree', () => {
  it('draws branches, continuation bars and the blank line after a last leaf as virsh does', () => {
    const entries = [
      { name: 'b0', parent: 's4' },
      { name: 's1', parent: undefined },
      { name: 's2', parent: 's1' },
      { name: 's3', parent: 's1' },
      { name: 's4', parent: 's3' },
    ];
    expect(formatTree(entries)).toBe('s1\n  |\n  +- s2\n  +- s3\n      |\n      +- s4\n          |\n          +- b0\n            \n');
    expect(
      formatTree([
        { name: 'a', parent: undefined },
        { name: 'b', parent: 'a' },
        { name: 'c', parent: 'b' },
        { name: 'd', parent: 'a' },
      ]),
    ).toBe('a\n  |\n  +- b\n  |   |\n  |   +- c\n  |     \n  +- d\n    \n');
    expect(
      formatTree([
        { name: 'x', parent: undefined },
        { name: 'y', parent: undefined },
      ]),
    ).toBe('x\n\ny\n\n');
  });
});

describe('formatCreationTime', () => {
  it("formats like strftime('%Y-%m-%d %H:%M:%S %z') in the zone TZ names (values from date(1))", () => {
    expect(formatCreationTime(1795665685, 'UTC')).toBe('2026-11-26 04:01:25 +0000');
    expect(formatCreationTime(1795665685, 'America/New_York')).toBe('2026-11-25 23:01:25 -0500');
    expect(formatCreationTime(1795665685, 'Asia/Kolkata')).toBe('2026-11-26 09:31:25 +0530');
    expect(formatCreationTime(1795665685, ':Australia/Lord_Howe')).toBe('2026-11-26 15:01:25 +1100');
  });
});

describe('snapshot-create-as XML', () => {
  it('splits specs at commas with ,, as a literal comma; an empty spec has no fields', () => {
    expect(splitSpec('a,,b,c')).toEqual(['a,b', 'c']);
    expect(splitSpec(',,')).toEqual([',']);
    expect(splitSpec('vda,')).toEqual(['vda', '']);
    expect(splitSpec('')).toEqual([]);
  });

  it('escapes as virBufferEscapeString: five entities, control characters other than tab dropped', () => {
    expect(escapeXml(`a<b>&'"\u0001\tc`)).toBe('a&lt;b&gt;&amp;&apos;&quot;\tc');
  });

  it('builds the empty document, and copies disk snapshot and driver values unescaped as virsh does', () => {
    expect(buildSnapshotXml({})).toBe('<domainsnapshot>\n</domainsnapshot>\n');
    expect(buildSnapshotXml({ memspec: "snapshot=x'y,/f&g", diskspecs: ["vda,snapshot=a'b<,driver=c&d", ''] })).toBe(
      "<domainsnapshot>\n  <memory snapshot='x&apos;y' file='/f&amp;g'/>\n  <disks>\n    <disk name='vda' snapshot='a'b<'>\n      <driver type='c&d'/>\n    </disk>\n    />\n  </disks>\n</domainsnapshot>\n",
    );
  });

  it('refuses repeated or unknown keys and unknown storage types with virsh messages', () => {
    expect(() => buildSnapshotXml({ memspec: 'file=/a,file=/b' })).toThrow('unable to parse memspec: file=/a,file=/b');
    expect(() => buildSnapshotXml({ memspec: '/a,/b' })).toThrow('unable to parse memspec: /a,/b');
    expect(() => buildSnapshotXml({ diskspecs: ['vda,snapshot=no,snapshot=internal'] })).toThrow('unable to parse diskspec: vda,snapshot=no,snapshot=internal');
    expect(() => buildSnapshotXml({ diskspecs: ['vda,stype=dir'] })).toThrow(
      expect.objectContaining({ message: 'unable to parse diskspec: vda,stype=dir', before: ["Unknown storage type: 'dir'"] }),
    );
  });
});
