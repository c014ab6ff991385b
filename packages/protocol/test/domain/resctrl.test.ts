// <cachetune> and <memorytune> as libvirt 9.0's test driver reads and writes them (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (cputune: string) =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><vcpu>4</vcpu><cputune>${cputune}</cputune><os><type>hvm</type></os><devices/></domain>`;
const lines = (cputune: string) => {
  const all = formattedDomain(dom(cputune)).split('\n');
  const from = all.findIndex((l) => l.includes('<cputune>'));
  return from < 0 ? [] : all.slice(from, all.findIndex((l) => l.includes('</cputune>')) + 1).map((l) => l.trim());
};

describe('cachetune and memorytune', () => {
  it('writes caches by level, type and id in their largest exact unit, bandwidths by node, monitors last, without ids, and merges a memorytune into its cachetune’s group', () => {
    expect(
      lines(
        "<cachetune vcpus='0-1' id='x'><cache id='1' level='3' type='data' size='1024' unit='KiB'/><cache id='0' level='2' type='code' size='3'/><cache id='0' level='3' type='both' size='0'/><monitor level='3' vcpus='0'/></cachetune>" +
          "<memorytune vcpus='0-1'><node id='3' bandwidth='10'/><node id='1' bandwidth='100'/><monitor vcpus='1'/></memorytune><memorytune vcpus='2-3'><monitor vcpus='2-3'/></memorytune><cachetune vcpus='7'/>",
      ),
    ).toEqual([
      '<cputune>',
      "<cachetune vcpus='0-1'>",
      "<cache id='0' level='2' type='code' size='3' unit='KiB'/>",
      "<cache id='0' level='3' type='both' size='0' unit='B'/>",
      "<cache id='1' level='3' type='data' size='1' unit='MiB'/>",
      "<monitor level='3' vcpus='0'/>",
      '</cachetune>',
      "<memorytune vcpus='0-1'>",
      "<node id='1' bandwidth='100'/>",
      "<node id='3' bandwidth='10'/>",
      "<monitor vcpus='1'/>",
      '</memorytune>',
      "<memorytune vcpus='2-3'>",
      "<monitor vcpus='2-3'/>",
      '</memorytune>',
      '</cputune>',
    ]);
  });

  it('limits vCPU sets to the domain’s vCPUs and drops empty tunes', () => {
    expect(
      lines(
        "<cachetune vcpus='1-9'><cache id='0' level='3' type='both' size='1' unit='GiB'/><cache id='1' level='3' type='both' size='1536' unit='MiB'/><cache id='2' level='3' type='both' size='1024' unit='PiB'/></cachetune><cachetune vcpus='100'><cache id='0' level='3' type='x'/></cachetune><cachetune vcpus='0'/><memorytune vcpus='0'/>",
      ),
    ).toEqual([
      '<cputune>',
      "<cachetune vcpus='1-3'>",
      "<cache id='0' level='3' type='both' size='1' unit='GiB'/>",
      "<cache id='1' level='3' type='both' size='1536' unit='MiB'/>",
      "<cache id='2' level='3' type='both' size='1024' unit='PiB'/>",
      '</cachetune>',
      '</cputune>',
    ]);
    expect(lines("<cachetune vcpus='0'/><memorytune vcpus='0'/>")).toEqual([]);
  });

  it('lets code and data of one cache stand side by side', () => {
    expect(
      defineError(dom("<cachetune vcpus='0-1'><cache id='0' level='3' type='code' size='1'/><cache id='0' level='3' type='data' size='1'/></cachetune>")),
    ).toBe('ok');
  });

  const cache = "<cache id='0' level='3' type='code' size='1'/>";
  it.each([
    [
      'a cache given twice (both beside data)',
      "<cachetune vcpus='0-1'><cache id='0' level='3' type='both' size='1'/><cache id='0' level='3' type='data' size='1'/></cachetune>",
      [27, 67, "XML error: Colliding cache allocations for cache level '3' id '0', type 'data'"],
    ],
    [
      'overlapping vCPU sets',
      `<cachetune vcpus='0-1'>${cache}</cachetune><cachetune vcpus='1-2'>${cache}</cachetune>`,
      [27, 20, 'XML error: Overlapping vcpus in resctrls'],
    ],
    [
      'two cachetunes of one vCPU set',
      `<cachetune vcpus='0-1'>${cache}</cachetune><cachetune vcpus='1,0'>${cache}</cachetune>`,
      [27, 20, 'XML error: Identical vcpus in cachetunes found'],
    ],
    [
      'a bandwidth over 100',
      "<memorytune vcpus='0-1'><node id='0' bandwidth='101'/></memorytune>",
      [27, 67, 'XML error: Memory Bandwidth value exceeding 100 is invalid.'],
    ],
    [
      'a node’s bandwidth given twice',
      "<memorytune vcpus='0-1'><node id='0' bandwidth='10'/></memorytune><memorytune vcpus='0-1'><node id='0' bandwidth='20'/></memorytune>",
      [27, 67, 'XML error: Memory Bandwidth already defined for node 0'],
    ],
    [
      'a monitor outside its group',
      `<cachetune vcpus='0-1'>${cache}<monitor level='3' vcpus='2'/></cachetune>`,
      [8, 20, 'invalid argument: Monitor vcpus conflicts with allocation'],
    ],
    [
      'a monitor of the wrong cache level',
      "<cachetune vcpus='0-1'><monitor level='2' vcpus='1'/></cachetune>",
      [27, 20, "XML error: Invalid monitor cache level '2'"],
    ],
    [
      'overlapping monitors of a group without allocation',
      "<cachetune vcpus='0-1'><monitor level='3' vcpus='0-1'/><monitor level='3' vcpus='0'/></cachetune>",
      [8, 20, 'invalid argument: vcpus overlaps in resctrl groups'],
    ],
    [
      'overlapping monitors, neither of the whole group',
      `<cachetune vcpus='0-2'>${cache}<monitor level='3' vcpus='0-1'/><monitor level='3' vcpus='1-2'/></cachetune>`,
      [8, 20, 'invalid argument: vcpus overlaps in resctrl groups'],
    ],
    [
      'two monitors of one type and vCPU set',
      "<cachetune vcpus='0-1'><monitor level='3' vcpus='1'/><monitor level='3' vcpus='1'/></cachetune>",
      [8, 20, 'invalid argument: Identical vcpus found in same type monitors'],
    ],
    ['a monitor of no existing vCPU', "<cachetune vcpus='0-1'><monitor level='3' vcpus='7'/></cachetune>", [8, 20, 'invalid argument: vcpus is empty']],
    [
      'a memorytune monitor outside its group',
      "<memorytune vcpus='2'><monitor vcpus='0'/></memorytune>",
      [8, 20, 'invalid argument: Monitor vcpus conflicts with allocation'],
    ],
    ['a tune without vcpus', `<cachetune>${cache}</cachetune>`, [27, 20, "XML error: Missing cachetune attribute 'vcpus'"]],
    ['a tune with a bad vCPU set', `<cachetune vcpus='a'>${cache}</cachetune>`, [27, 20, "XML error: Invalid cachetune attribute 'vcpus' value 'a'"]],
    [
      'a cache without size',
      "<cachetune vcpus='1'><cache id='0' level='3' type='code'/></cachetune>",
      [27, 5, "XML error: missing element or attribute './@size'"],
    ],
    [
      'a cache of an unknown type',
      "<cachetune vcpus='1'><cache id='0' level='3' type='x' size='1'/></cachetune>",
      [27, 5, "XML error: Invalid value for attribute 'type' in element 'cache': 'x'."],
    ],
    [
      'a cache too large',
      "<cachetune vcpus='1'><cache id='2' level='3' type='both' size='1048576' unit='PiB'/></cachetune>",
      [82, 0, 'numerical overflow: value too large: 1048576PiB'],
    ],
  ])('refuses %s', (_what, cputune, expected) => {
    expect(defineError(dom(cputune))).toEqual(expected);
  });
});
