// Sizes and switches libvirt 9.0 writes in its own unit and form (memtune, memoryBacking, features, pcihole64, metadata_cache), and its hugepage checks (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const UUID = '3e978e16-2dc8-45ed-b8b7-3574083dc879';
/** A domain with `top` after `<memory>`, `features` after `<os>` and `devices`. */
const dom = (top: string, features = '', devices = '') =>
  `<domain type='test'><name>c</name><uuid>${UUID}</uuid><memory>1048576</memory>${top}<os><type>hvm</type></os>${features}<devices>${devices}</devices></domain>`;
/** The formatted lines of `name`'s element. */
const block = (xml: string, name: string) => {
  const lines = formattedDomain(xml).split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith(`<${name}`));
  const end = lines.findIndex((l, i) => i >= start && (l.trim() === `</${name}>` || (i === start && l.trim().endsWith('/>'))));
  return start < 0 ? [] : lines.slice(start, end + 1).map((l) => l.trim());
};

describe('scaled sizes and switches', () => {
  it('writes memtune limits in KiB, leaves unlimited and zero guarantees out, and an empty memtune', () => {
    const xml = dom(
      "<memtune><soft_limit unit='MiB'>3</soft_limit><hard_limit>1000</hard_limit><swap_hard_limit unit='G'>2</swap_hard_limit><min_guarantee unit='bytes'>1500</min_guarantee></memtune>",
    );
    expect(block(xml, 'memtune')).toEqual([
      '<memtune>',
      "<hard_limit unit='KiB'>1000</hard_limit>",
      "<soft_limit unit='KiB'>3072</soft_limit>",
      "<min_guarantee unit='KiB'>2</min_guarantee>",
      "<swap_hard_limit unit='KiB'>2097152</swap_hard_limit>",
      '</memtune>',
    ]);
    expect(block(dom("<memtune><hard_limit unit='KiB'>9007199254740991</hard_limit><min_guarantee>0</min_guarantee></memtune>"), 'memtune')).toEqual([]);
  });

  it('writes memoryBacking in libvirt’s order with hugepage sizes in KiB, dropping node 0 without guest NUMA', () => {
    const xml = dom(
      "<memoryBacking><access mode='shared'/><source type='memfd'/><locked/><hugepages><page size='2' unit='M' nodeset='0'/></hugepages><discard/><nosharepages/></memoryBacking>",
    );
    expect(block(xml, 'memoryBacking')).toEqual([
      '<memoryBacking>',
      '<hugepages>',
      "<page size='2048' unit='KiB'/>",
      '</hugepages>',
      '<nosharepages/>',
      '<locked/>',
      "<source type='memfd'/>",
      "<access mode='shared'/>",
      '<discard/>',
      '</memoryBacking>',
    ]);
  });

  it('writes features in libvirt’s order, switches with their state, TSEG in its largest exact unit', () => {
    expect(block(dom('', "<features><pmu/><vmcoreinfo state='off'/><smm><tseg unit='KiB'>49152</tseg></smm><hap/></features>"), 'features')).toEqual([
      '<features>',
      "<hap state='on'/>",
      "<pmu state='on'/>",
      "<smm state='on'>",
      "<tseg unit='MiB'>48</tseg>",
      '</smm>',
      "<vmcoreinfo state='off'/>",
      '</features>',
    ]);
  });

  it('writes pcihole64 in KiB and a metadata cache in bytes', () => {
    expect(block(dom('', '', "<controller type='pci' index='0' model='pci-root'><pcihole64 unit='MiB'>3</pcihole64></controller>"), 'controller')).toEqual([
      "<controller type='pci' index='0' model='pci-root'>",
      "<pcihole64 unit='KiB'>3072</pcihole64>",
      '</controller>',
    ]);
    const disk =
      "<disk type='file'><driver name='qemu' type='qcow2'><metadata_cache><max_size unit='KiB'>3</max_size></metadata_cache></driver><source file='/tmp/a'/><target dev='vda'/></disk>";
    expect(block(dom('', '', disk), 'metadata_cache')).toEqual(['<metadata_cache>', "<max_size unit='bytes'>3072</max_size>", '</metadata_cache>']);
  });

  it.each([
    ['a hugepage of size 0', "<memoryBacking><hugepages><page size='0'/></hugepages></memoryBacking>", [35, 20, "hugepage size can't be zero"]],
    [
      'a hugepage on a node the guest lacks',
      "<memoryBacking><hugepages><page size='2048' nodeset='1'/></hugepages></memoryBacking>",
      [35, 20, 'hugepages: node 1 not found'],
    ],
    [
      'a node set that does not parse',
      "<memoryBacking><hugepages><page size='2048' nodeset='1-'/></hugepages></memoryBacking>",
      [8, 0, "invalid argument: Failed to parse bitmap '1-'"],
    ],
    [
      'an empty node set',
      "<memoryBacking><hugepages><page size='2048' nodeset='0,^0'/></hugepages></memoryBacking>",
      [67, 20, "unsupported configuration: Invalid value of 'nodeset': 0,^0"],
    ],
    [
      'two hugepages without node sets',
      "<memoryBacking><hugepages><page size='1048576'/><page size='2048' nodeset='0'/></hugepages></memoryBacking>",
      [35, 20, 'two master hugepages detected: 2048 and 1048576'],
    ],
    ['a memtune limit in an unknown unit', "<memtune><hard_limit unit='foo'>1</hard_limit></memtune>", [8, 0, "invalid argument: unknown suffix 'foo'"]],
  ])('refuses %s', (_name, top, expected) => {
    expect(defineError(dom(top))).toEqual(expected);
  });

  it.each([
    [
      'a switch feature neither on nor off',
      "<features><pmu state='maybe'/></features>",
      [27, 5, "XML error: Invalid value for attribute 'state' in element 'pmu': 'maybe'."],
    ],
    ['an unknown GIC version', "<features><gic version='4'/></features>", [27, 5, "XML error: Invalid value for attribute 'version' in element 'gic': '4'."]],
  ])('refuses %s', (_name, features, expected) => {
    expect(defineError(dom('', features))).toEqual(expected);
  });
});
