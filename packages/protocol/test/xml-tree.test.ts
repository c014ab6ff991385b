// Unit tests of safe XML parsing and libvirt-style formatting.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirError } from '../src/index.js';
import { formatSnapshotXml, formatXml, parseSnapshotXml, parseXmlDocument, type SnapshotDef } from '../src/xml.js';

const kind = { label: 'doc', root: 'a', errorDomain: 35 };
const parseError = (xml: string) => {
  try {
    parseXmlDocument(xml, kind);
  } catch (error) {
    if (VirError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a parse error');
};

describe('parseXmlDocument', () => {
  it('keeps values as strings, attributes in order, and decodes only XML entities', () => {
    const tree = parseXmlDocument('<a x=\'007\' y="1e3">&lt;b&gt; &amp; &#65;&#x42;</a>', kind);
    expect([...tree.attributes]).toEqual([
      ['x', '007'],
      ['y', '1e3'],
    ]);
    expect(tree.children).toEqual(['<b> & AB']);
  });

  it('refuses DOCTYPE and entity declarations, undefined entities and bare ampersands', () => {
    expect(parseError('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>').message).toBe('(doc):1: DOCTYPE and entity declarations are not allowed');
    expect(parseError('<a>&nbsp;</a>').code).toBe(35);
    expect(parseError('<a>a & b</a>').code).toBe(35);
  });

  it('refuses several roots, no root, and the wrong root', () => {
    expect(parseError('<a/><a/>').message).toContain('Extra content');
    expect(parseError('   ').code).toBe(35);
    expect(parseError('<b/>')).toMatchObject({ code: 27, domain: 5, message: "XML error: expecting root element of 'a', not 'b'" });
  });

  it.each(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'])(
    'keeps an element named %s as plain data, as libxml2 does, without touching any prototype',
    (name) => {
      const tree = parseXmlDocument(`<a><${name}><x/></${name}></a>`, kind);
      expect(tree.children).toEqual([{ name, attributes: new Map(), children: [{ name: 'x', attributes: new Map(), children: [] }] }]);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    },
  );

  it('keeps prototype-named attributes as plain data', () => {
    const tree = parseXmlDocument("<a __proto__='1' toString='2'/>", kind);
    expect([...tree.attributes]).toEqual([
      ['__proto__', '1'],
      ['toString', '2'],
    ]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('bounds nesting depth', () => {
    const deep = '<a>' + '<b>'.repeat(100) + '</b>'.repeat(100) + '</a>';
    expect(parseError(deep).code).toBe(35);
  });
});

describe('snapshot XML', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9 ._<>&'"-]{1,20}$/).filter((s) => s.trim() === s && s !== '');
  const def = fc.record({
    name,
    description: fc.option(name, { nil: undefined }),
    disks: fc.array(
      fc.record({
        name: fc.constantFrom('vda', 'vdb', 'vdc'),
        snapshot: fc.constantFrom('no' as const, 'internal' as const),
      }),
      { maxLength: 3 },
    ),
  });

  it('formats and parses back to the same definition (property)', () => {
    fc.assert(
      fc.property(def, (d) => {
        const clean: SnapshotDef = { name: d.name, disks: d.disks };
        if (d.description !== undefined) clean.description = d.description;
        expect(parseSnapshotXml(formatSnapshotXml(clean, { secure: true }))).toEqual(clean);
      }),
    );
  });

  it('keeps numeric-looking names as strings', () => {
    expect(parseSnapshotXml('<domainsnapshot><name>1e3</name></domainsnapshot>').name).toBe('1e3');
    expect(parseSnapshotXml('<domainsnapshot><name>007</name></domainsnapshot>').name).toBe('007');
  });

  it('formats as libvirt does', () => {
    const xml = formatXml(parseXmlDocument("<a><b x='1'/><c>t</c><d><e/></d></a>", kind));
    expect(xml).toBe("<a>\n  <b x='1'/>\n  <c>t</c>\n  <d>\n    <e/>\n  </d>\n</a>\n");
  });
});
