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
});
