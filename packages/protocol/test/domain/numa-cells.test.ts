// Guest NUMA cells as libvirt 9.0's test driver reads and writes them (virDomainNumaDefParseXML; XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (cells: string) =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><vcpu>4</vcpu><os><type>hvm</type></os><cpu><numa>${cells}</numa></cpu><devices/></domain>`;

describe('guest NUMA cells', () => {
  it('writes cells by id with their vCPUs in libvirt’s set form, memAccess before discard', () => {
    const cells = formattedDomain(dom("<cell id='1' cpus='2-3,^3' memory='524288' memAccess='shared' discard='yes'/><cell id='0' cpus='0-1' memory='524288'/>"))
      .split('\n')
      .filter((l) => l.includes('<cell'))
      .map((l) => l.trim());
    expect(cells).toEqual([
      "<cell id='0' cpus='0-1' memory='524288' unit='KiB'/>",
      "<cell id='1' cpus='2' memory='524288' unit='KiB' memAccess='shared' discard='yes'/>",
    ]);
  });

  it.each([
    [
      'a cell id past the cell count',
      "<cell id='0' cpus='0' memory='524288'/><cell id='2' cpus='1' memory='524288'/>",
      [27, 20, "XML error: Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed"],
    ],
    [
      'a cell id twice',
      "<cell id='0' cpus='0' memory='524288'/><cell id='0' cpus='1' memory='524288'/>",
      [27, 20, "XML error: Duplicate NUMA cell info for cell id '0'"],
    ],
    [
      'cells sharing a vCPU',
      "<cell cpus='0-1' memory='524288'/><cell cpus='1-2' memory='524288'/>",
      [67, 20, 'unsupported configuration: NUMA cells 1 and 0 have overlapping vCPU ids'],
    ],
    [
      'an unknown memory access',
      "<cell cpus='0' memory='524288' memAccess='invalid'/>",
      [27, 5, "XML error: Invalid value for attribute 'memAccess' in element 'cell': 'invalid'."],
    ],
    [
      'discard neither yes nor no',
      "<cell cpus='0' memory='524288' discard='maybe'/>",
      [27, 5, "XML error: Invalid value for attribute 'discard' in element 'cell': 'maybe'."],
    ],
  ])('refuses %s', (_name, cells, expected) => {
    expect(defineError(dom(cells))).toEqual(expected);
  });

  const cell = (id: number, inner = '') => `<cell id='${id}' cpus='${id}' memory='1024'>${inner}</cell>`;
  const cellLines = (cells: string) => {
    const lines = formattedDomain(dom(cells))
      .split('\n')
      .map((l) => l.trim());
    return lines.slice(lines.indexOf('<numa>') + 1, lines.indexOf('</numa>'));
  };

  it('writes each cell’s distances to every cell in id order, its own local one included, completed by symmetry', () => {
    expect(
      cellLines(
        cell(0, "<distances><sibling id='2' value='31'/><sibling id='1' value='21'/></distances>") +
          cell(1) +
          cell(2, "<distances><sibling id='0' value='41'/></distances>") +
          cell(3),
      ),
    ).toEqual([
      "<cell id='0' cpus='0' memory='1024' unit='KiB'>",
      '<distances>',
      "<sibling id='0' value='10'/>",
      "<sibling id='1' value='21'/>",
      "<sibling id='2' value='31'/>",
      '</distances>',
      '</cell>',
      "<cell id='1' cpus='1' memory='1024' unit='KiB'>",
      '<distances>',
      "<sibling id='0' value='21'/>",
      "<sibling id='1' value='10'/>",
      '</distances>',
      '</cell>',
      "<cell id='2' cpus='2' memory='1024' unit='KiB'>",
      '<distances>',
      "<sibling id='0' value='41'/>",
      "<sibling id='2' value='10'/>",
      '</distances>',
      '</cell>',
      "<cell id='3' cpus='3' memory='1024' unit='KiB'/>",
    ]);
  });

  it('reads only the first distances, then the caches', () => {
    const cache = "<cache level='1' associativity='direct' policy='writeback'><size value='10' unit='KiB'/><line value='8' unit='B'/></cache>";
    expect(
      cellLines(cell(0, `<distances><sibling id='1' value='20'/></distances><distances><sibling id='1' value='30'/></distances>${cache}<junk/>`) + cell(1)),
    ).toEqual([
      "<cell id='0' cpus='0' memory='1024' unit='KiB'>",
      '<distances>',
      "<sibling id='0' value='10'/>",
      "<sibling id='1' value='20'/>",
      '</distances>',
      "<cache level='1' associativity='direct' policy='writeback'>",
      "<size value='10' unit='KiB'/>",
      "<line value='8' unit='B'/>",
      '</cache>',
      '</cell>',
      "<cell id='1' cpus='1' memory='1024' unit='KiB'>",
      '<distances>',
      "<sibling id='0' value='20'/>",
      "<sibling id='1' value='10'/>",
      '</distances>',
      '</cell>',
    ]);
  });

  it.each([
    ['distances without siblings', cell(0, '<distances/>') + cell(1), [27, 20, 'XML error: NUMA distances defined without siblings']],
    [
      'a distance to a missing cell',
      cell(0, "<distances><sibling id='5' value='21'/></distances>") + cell(1),
      [27, 20, "XML error: 'sibling_id 5' does not refer to a valid cell within NUMA 'cell id 0'"],
    ],
    [
      'a local distance other than 10',
      cell(0, "<distances><sibling id='0' value='11'/></distances>") + cell(1),
      [27, 20, "XML error: 'value 11' is invalid for 'sibling id 0' under NUMA 'cell id 0'"],
    ],
    [
      'a remote distance of 10',
      cell(0, "<distances><sibling id='1' value='10'/></distances>") + cell(1),
      [27, 20, "XML error: 'value 10' is invalid for 'sibling id 1' under NUMA 'cell id 0'"],
    ],
    [
      'a distance past 255',
      cell(0, "<distances><sibling id='1' value='256'/></distances>") + cell(1),
      [27, 20, "XML error: 'value 256' is invalid for 'sibling id 1' under NUMA 'cell id 0'"],
    ],
  ])('refuses %s', (_what, cells, expected) => {
    expect(defineError(dom(cells))).toEqual(expected);
  });
});
