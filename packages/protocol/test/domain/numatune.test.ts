// <numatune> and <vcpu placement/cpuset> as libvirt 9.0's test driver reads and writes them (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const CELLS = "<cpu><numa><cell id='0' cpus='0' memory='524288'/><cell id='1' cpus='1' memory='524288'/></numa></cpu>";
const dom = (top: string, cpu = '') =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory>${top}<os><type>hvm</type></os>${cpu}<devices/></domain>`;
/** The `<vcpu>` line and the `<numatune>` lines as formatted. */
const tuning = (xml: string) =>
  formattedDomain(xml)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^<\/?(vcpu|numatune|memory mode|memnode)/.test(l));

describe('numatune', () => {
  it('writes node sets in libvirt’s form and memnodes by cell', () => {
    expect(
      tuning(
        dom(
          "<vcpu>2</vcpu><numatune><memory nodeset='0-5,^4'/><memnode cellid='1' mode='preferred' nodeset='3'/><memnode cellid='0' nodeset='1-2'/></numatune>",
          CELLS,
        ),
      ),
    ).toEqual([
      "<vcpu placement='static'>2</vcpu>",
      '<numatune>',
      "<memory mode='strict' nodeset='0-3,5'/>",
      "<memnode cellid='0' mode='strict' nodeset='1-2'/>",
      "<memnode cellid='1' mode='preferred' nodeset='3'/>",
      '</numatune>',
    ]);
  });

  it('makes memory placement automatic for automatic vCPUs, drops a node set with automatic placement, and makes unpinned vCPUs automatic', () => {
    expect(tuning(dom("<vcpu placement='auto' cpuset='1-3'>2</vcpu>"))).toEqual([
      "<vcpu placement='auto'>2</vcpu>",
      '<numatune>',
      "<memory mode='strict' placement='auto'/>",
      '</numatune>',
    ]);
    expect(tuning(dom("<vcpu>2</vcpu><numatune><memory mode='preferred' placement='auto' nodeset='0-5,^4'/></numatune>"))).toEqual([
      "<vcpu placement='auto'>2</vcpu>",
      '<numatune>',
      "<memory mode='preferred' placement='auto'/>",
      '</numatune>',
    ]);
    expect(tuning(dom("<vcpu cpuset='1-3,^2,5,6'>2</vcpu>"))).toEqual(["<vcpu placement='static' cpuset='1,3,5-6'>2</vcpu>"]);
  });

  it.each([
    [
      'static placement without a node set',
      "<vcpu>2</vcpu><numatune><memory placement='static'/></numatune>",
      '',
      [67, 20, "unsupported configuration: nodeset for NUMA memory tuning must be set if 'placement' is 'static'"],
    ],
    [
      'a strict memnode under restrictive memory',
      "<vcpu>2</vcpu><numatune><memory mode='restrictive' nodeset='1'/><memnode cellid='0' mode='strict' nodeset='1'/></numatune>",
      CELLS,
      [27, 20, "XML error: 'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element"],
    ],
    [
      'a memnode without guest NUMA',
      "<vcpu>2</vcpu><numatune><memnode cellid='0' nodeset='1'/></numatune>",
      '',
      [27, 20, "XML error: Element 'memnode' is invalid without any guest NUMA cells"],
    ],
    [
      'memnodes with automatic placement',
      "<vcpu>2</vcpu><numatune><memory placement='auto'/><memnode cellid='0' nodeset='1'/></numatune>",
      CELLS,
      [67, 20, 'unsupported configuration: Per-node binding is not compatible with automatic NUMA placement.'],
    ],
    [
      'an empty node set',
      "<vcpu>2</vcpu><numatune><memory nodeset='0,^0'/></numatune>",
      '',
      [67, 20, "unsupported configuration: Invalid value of 'nodeset': 0,^0"],
    ],
    [
      'an unknown mode',
      "<vcpu>2</vcpu><numatune><memory mode='bogus' nodeset='0'/></numatune>",
      '',
      [67, 20, "unsupported configuration: Unsupported NUMA memory tuning mode 'bogus'"],
    ],
    [
      'a memnode for a missing cell',
      "<vcpu>2</vcpu><numatune><memnode cellid='2' nodeset='1'/></numatune>",
      CELLS,
      [27, 20, "XML error: Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell"],
    ],
    [
      'two memnodes for a cell',
      "<vcpu>2</vcpu><numatune><memnode cellid='0' nodeset='1'/><memnode cellid='0' nodeset='2'/></numatune>",
      CELLS,
      [27, 20, 'XML error: Multiple memnode elements with cellid 0'],
    ],
    [
      'a memnode without a node set',
      "<vcpu>2</vcpu><numatune><memnode cellid='0'/></numatune>",
      CELLS,
      [27, 20, 'XML error: Missing required nodeset attribute in memnode element'],
    ],
    ['two numatunes', '<vcpu>2</vcpu><numatune/><numatune/>', '', [27, 20, 'XML error: only one numatune is supported']],
    ['an empty vCPU set', "<vcpu cpuset='0,^0'>2</vcpu>", '', [67, 20, "unsupported configuration: Invalid value of 'cpuset': 0,^0"]],
  ])('refuses %s', (_name, top, cpu, expected) => {
    expect(defineError(dom(top, cpu))).toEqual(expected);
  });
});
