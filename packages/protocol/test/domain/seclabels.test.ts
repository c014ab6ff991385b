// Security label overrides of devices and the domain's labels as libvirt 9.0's test driver reads and writes them (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { DomainDefinition } from '../../src/xml.js';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (devices: string, seclabels = '') =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>${devices}</devices>${seclabels}</domain>`;
const disk = (source: string) => `<disk type='file'><source file='/tmp/a'>${source}</source><target dev='vda'/></disk>`;

describe('seclabels', () => {
  it('leaves out overrides that relabel without a label (labelskip is not read), keeps the others', () => {
    const lines = formattedDomain(
      dom(disk("<seclabel model='selinux' labelskip='yes'/><seclabel model='dac' relabel='no'/><seclabel model='x'><label>l</label></seclabel>")),
    )
      .split('\n')
      .map((l) => l.trim());
    expect(lines.slice(lines.indexOf("<source file='/tmp/a'>"), lines.indexOf("<target dev='vda' bus='virtio'/>"))).toEqual([
      "<source file='/tmp/a'>",
      "<seclabel model='dac' relabel='no'/>",
      "<seclabel model='x' relabel='yes'>",
      '<label>l</label>',
      '</seclabel>',
      '</source>',
    ]);
  });

  it.each([
    [
      'two overrides for a model',
      disk("<seclabel model='selinux'/><seclabel model='selinux' relabel='no'/>"),
      '',
      [35, 20, 'seclabel for model selinux is already provided'],
    ],
    [
      'a label without relabelling',
      disk("<seclabel model='selinux' relabel='no'><label>x</label></seclabel>"),
      '',
      [27, 20, 'XML error: Cannot specify a label if relabelling is turned off. model=selinux'],
    ],
    [
      'relabel neither yes nor no',
      disk("<seclabel relabel='maybe'/>"),
      '',
      [27, 5, "XML error: Invalid value for attribute 'relabel' in element 'seclabel': 'maybe'."],
    ],
    [
      'domain labels without a model beside another',
      '',
      "<seclabel type='none'/><seclabel type='dynamic' model='dac'/>",
      [27, 20, 'XML error: missing security model when using multiple labels'],
    ],
    [
      'two domain labels for a model',
      '',
      "<seclabel type='dynamic' model='dac'/><seclabel type='dynamic' model='dac'/>",
      [35, 20, 'seclabel for model dac is already provided'],
    ],
    ['two domain labels without a model', '', "<seclabel type='none'/><seclabel type='none'/>", [35, 20, 'seclabel for model (null) is already provided']],
    [
      'a static domain label without its label',
      '',
      "<seclabel type='static' model='dac'><label></label></seclabel>",
      [27, 20, 'XML error: security label is missing'],
    ],
    [
      'a dynamic domain label that does not relabel',
      '',
      "<seclabel type='dynamic' relabel='no'/>",
      [67, 20, 'unsupported configuration: dynamic label type must use resource relabeling'],
    ],
    [
      'a none domain label that relabels',
      '',
      "<seclabel type='none' relabel='yes'/>",
      [67, 20, "unsupported configuration: resource relabeling is not compatible with 'none' label type"],
    ],
    ['the default type named', '', "<seclabel type='default'/>", [27, 5, "XML error: Invalid value for attribute 'type' in element 'seclabel': 'default'."]],
  ])('refuses %s', (_name, devices, seclabels, expected) => {
    expect(defineError(dom(devices, seclabels))).toEqual(expected);
  });

  const domainLabels = (seclabels: string) => {
    const lines = formattedDomain(dom('', seclabels))
      .split('\n')
      .map((l) => l.trim());
    return lines.slice(lines.indexOf('</devices>') + 1, lines.indexOf('</domain>'));
  };

  it('writes a domain label as type, model, relabel, then label and baselabel, reading only what its type has', () => {
    expect(domainLabels("<seclabel model='selinux' type='dynamic' relabel='yes'/>")).toEqual(["<seclabel type='dynamic' model='selinux' relabel='yes'/>"]);
    expect(
      domainLabels("<seclabel type='static' model='selinux' relabel='yes'><label>L</label><imagelabel>I</imagelabel><baselabel>B</baselabel></seclabel>"),
    ).toEqual(["<seclabel type='static' model='selinux' relabel='yes'>", '<label>L</label>', '</seclabel>']);
    expect(domainLabels("<seclabel type='static' model='selinux'><label>L</label></seclabel>")).toEqual([
      "<seclabel type='static' model='selinux' relabel='no'>",
      '<label>L</label>',
      '</seclabel>',
    ]);
    expect(domainLabels("<seclabel type='dynamic' model='selinux'><label>L</label><imagelabel>I</imagelabel><baselabel>B</baselabel></seclabel>")).toEqual([
      "<seclabel type='dynamic' model='selinux' relabel='yes'>",
      '<baselabel>B</baselabel>',
      '</seclabel>',
    ]);
  });

  it('makes model none a none label, and counts a label without type without writing it', () => {
    expect(domainLabels("<seclabel model='none' type='dynamic'><label>x</label></seclabel>")).toEqual(["<seclabel type='none' model='none'/>"]);
    expect(domainLabels("<seclabel model='dac' type='none'><label>x</label></seclabel><seclabel model='selinux'/>")).toEqual([
      "<seclabel type='none' model='dac'/>",
    ]);
    expect(domainLabels('<seclabel/>')).toEqual([]);
    expect(defineError(dom('', "<seclabel relabel='no'/><seclabel model='x'/>"))).toEqual([
      27,
      20,
      'XML error: missing security model when using multiple labels',
    ]);
  });

  it('keeps a running domain’s label and image label, without requiring them', () => {
    const live = (seclabels: string) => DomainDefinition.parse(dom('', seclabels), { live: true }).format({ secure: false });
    expect(live("<seclabel type='dynamic' model='selinux'><label>L</label><imagelabel>I</imagelabel></seclabel>")).toContain(
      "<seclabel type='dynamic' model='selinux' relabel='yes'>\n    <label>L</label>\n    <imagelabel>I</imagelabel>\n  </seclabel>",
    );
    expect(live("<seclabel type='dynamic' model='selinux'/>")).toContain("<seclabel type='dynamic' model='selinux' relabel='yes'/>");
  });
});
