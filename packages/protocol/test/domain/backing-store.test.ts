// A disk's <backingStore> chain as libvirt 9.0's test driver reads and writes it (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (backingStore: string, type = 'file', source = "<source file='/a'/>") =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><os><type>hvm</type></os><devices><disk type='${type}'>${source}${backingStore}<target dev='vda'/></disk></devices></domain>`;
const chain = (backingStore: string, type?: string, source?: string) => {
  const lines = formattedDomain(dom(backingStore, type, source))
    .split('\n')
    .map((l) => l.trim());
  return lines.slice(
    lines.findIndex((l) => l.startsWith('<backingStore')),
    lines.findIndex((l) => l.startsWith('<target')),
  );
};

describe('backingStore', () => {
  it('writes each image as type, format, source, then the next, without indexes, ending at an image without type', () => {
    expect(
      chain(
        "<backingStore type='file' index='3'><source file='/b' index='2'>\n   </source>\n<format type='qcow2'/><backingStore><format type='raw'/></backingStore></backingStore>",
      ),
    ).toEqual(["<backingStore type='file'>", "<format type='qcow2'/>", "<source file='/b'/>", '<backingStore/>', '</backingStore>']);
  });

  it('keeps a format’s metadata cache in bytes, a source’s label overrides, and a network source in libvirt’s order, nothing else', () => {
    expect(
      chain(
        "<backingStore type='block'><format type='raw'><metadata_cache><max_size unit='KiB'>1</max_size></metadata_cache></format><source dev='/dev/b'><seclabel model='dac' relabel='no'/></source><extra/></backingStore>",
      ),
    ).toEqual([
      "<backingStore type='block'>",
      "<format type='raw'>",
      '<metadata_cache>',
      "<max_size unit='bytes'>1024</max_size>",
      '</metadata_cache>',
      '</format>',
      "<source dev='/dev/b'>",
      "<seclabel model='dac' relabel='no'/>",
      '</source>',
      '</backingStore>',
    ]);
    expect(
      chain("<backingStore type='network'><format type='raw'/><source name='p/i' protocol='rbd'><host port='6789' name='h'/></source></backingStore>"),
    ).toEqual([
      "<backingStore type='network'>",
      "<format type='raw'/>",
      "<source protocol='rbd' name='p/i'>",
      "<host name='h' port='6789'/>",
      '</source>',
      '</backingStore>',
    ]);
  });

  it('writes a network disk’s own hosts as libvirt does: name before port', () => {
    const lines = formattedDomain(dom('', 'network', "<source name='p/i' protocol='rbd'><host port='6789' name='h'/></source>"));
    expect(lines).toContain("<source protocol='rbd' name='p/i'>\n        <host name='h' port='6789'/>\n      </source>");
  });

  it('does not read an index in a definition', () => {
    expect(defineError(dom("<backingStore type='file' index='x'><format type='raw'/><source file='/b'/></backingStore>"))).toBe('ok');
  });

  it.each([
    ['an image without format', "<backingStore type='file'><source file='/b'/></backingStore>", [27, 20, 'XML error: missing disk backing store format']],
    ['an image without source', "<backingStore type='file'><format type='qcow2'/></backingStore>", [27, 20, 'XML error: missing disk backing store source']],
    [
      'an unknown storage type',
      "<backingStore type='x'><format type='qcow2'/><source file='/b'/></backingStore>",
      [27, 20, "XML error: unknown storage source type 'x'"],
    ],
    [
      'storage type none',
      "<backingStore type='none'><format type='raw'/><source file='/b'/></backingStore>",
      [27, 20, "XML error: unknown storage source type 'none'"],
    ],
    [
      'an unknown format',
      "<backingStore type='file'><format type='x'/><source file='/b'/></backingStore>",
      [27, 20, "XML error: unknown storage source format 'x'"],
    ],
    [
      'format none',
      "<backingStore type='file'><format type='none'/><source file='/b'/></backingStore>",
      [27, 20, "XML error: unknown storage source format 'none'"],
    ],
  ])('refuses %s', (_what, backingStore, expected) => {
    expect(defineError(dom(backingStore))).toEqual(expected);
  });
});
