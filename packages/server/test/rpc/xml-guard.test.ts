// In-process unit tests of the XML guard: the linear scan agrees with the element tree it reads, and the bounds answer libvirt's errors.
import { ErrorDomain, ErrorNumber, methods } from '@virtwire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkXmlBounds, scanXmlShape } from '../../src/rpc/xml-guard.js';

/** An element of a generated document. */
interface Element {
  name: string;
  children: readonly Element[];
  /** Text or markup that must not count as elements, placed before the children. */
  noise: string;
}

const NAMES = ['domainsnapshot', 'domain', 'inactiveDomain', 'devices', 'disks', 'disk', 'source', 'x'];
/** Comments, CDATA, processing instructions and text whose brackets are not elements. */
const NOISE = ['', 'text', '<!-- <disk><disk> -->', '<![CDATA[<disk/><a>]]>', '<?pi <disk>?>', '&lt;disk&gt;'];
/** Attributes whose quoted values hold `>`, `/` and `<` characters. */
const ATTRIBUTES = ['', ' a="1"', " file='/a>b/'", ' name="x/>y"'];

const element: fc.Arbitrary<Element> = fc.letrec<{ node: Element }>((tie) => ({
  node: fc.record({
    name: fc.constantFrom(...NAMES),
    children: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant([]), fc.array(tie('node'), { maxLength: 4 })),
    noise: fc.constantFrom(...NOISE),
  }),
})).node;

function serialize(e: Element, attribute: (e: Element) => string): string {
  const attrs = attribute(e);
  if (e.children.length === 0 && e.noise === '') return `<${e.name}${attrs}/>`;
  return `<${e.name}${attrs}>${e.noise}${e.children.map((c) => serialize(c, attribute)).join('')}</${e.name} >`;
}

const depthOf = (e: Element): number => 1 + Math.max(0, ...e.children.map(depthOf));
const named = (e: Element, name: string) => e.children.filter((c) => c.name === name);

function snapshotDisksOf(root: Element): number {
  return named(root, 'disks').reduce((sum, disks) => sum + named(disks, 'disk').length, 0);
}

function domainDisksOf(root: Element): number {
  const domains = root.name === 'domain' ? [root] : root.name === 'domainsnapshot' ? [...named(root, 'domain'), ...named(root, 'inactiveDomain')] : [];
  const devices = domains.flatMap((d) => named(d, 'devices'));
  return Math.max(0, ...devices.map((d) => named(d, 'disk').length));
}

const attributeFor = (seed: number) => (e: Element) => ATTRIBUTES[(seed + e.name.length + e.children.length) % ATTRIBUTES.length]!;

describe('scanXmlShape', () => {
  it('finds a document deeper than the bound exactly when its element tree is', () => {
    fc.assert(
      fc.property(element, fc.integer({ min: 1, max: 8 }), fc.nat(), fc.boolean(), (root, bound, seed, declaration) => {
        const xml = `${declaration ? '<?xml version="1.0"?>\n' : ''}${serialize(root, attributeFor(seed))}`;
        expect(scanXmlShape(xml, bound).depth > bound).toBe(depthOf(root) > bound);
      }),
      { numRuns: 400 },
    );
  });

  it("counts a snapshot's disks and the most disks of one domain's devices, whatever surrounds them", () => {
    fc.assert(
      fc.property(element, fc.nat(), (root, seed) => {
        const shape = scanXmlShape(serialize(root, attributeFor(seed)), 1000);
        expect({ snapshotDisks: shape.snapshotDisks, domainDisks: shape.domainDisks }).toEqual({
          snapshotDisks: snapshotDisksOf(root),
          domainDisks: domainDisksOf(root),
        });
      }),
      { numRuns: 400 },
    );
  });
});

describe('checkXmlBounds', () => {
  const bounds = { maxXmlBytes: 200, maxXmlDepth: 4, maxSnapshotDisks: 2, maxDomainDisks: 3 };
  const create = methods.DomainSnapshotCreateXML;
  const define = methods.DomainDefineXML;
  const disks = (n: number) => '<disk/>'.repeat(n);

  it('lets documents within every bound through, and params without xml', () => {
    expect(checkXmlBounds(create, { xml: `<domainsnapshot><disks>${disks(2)}</disks></domainsnapshot>` }, bounds)).toBeUndefined();
    expect(checkXmlBounds(create, { name: 'x' }, bounds)).toBeUndefined();
    expect(checkXmlBounds(create, undefined, bounds)).toBeUndefined();
  });

  it("answers a document past a bound with libvirt's XML errors in the method's domain", () => {
    const cases: Array<[typeof create, string, number]> = [
      [create, `<a>${' '.repeat(200)}</a>`, ErrorNumber.XmlDetail],
      [create, '<a><b><c><d><e/></d></c></b></a>', ErrorNumber.XmlDetail],
      [create, `<domainsnapshot><disks>${disks(3)}</disks></domainsnapshot>`, ErrorNumber.XmlError],
      [define, `<domain><devices>${disks(4)}</devices></domain>`, ErrorNumber.XmlError],
      [create, `<domainsnapshot><inactiveDomain><devices>${disks(4)}</devices></inactiveDomain></domainsnapshot>`, ErrorNumber.XmlError],
    ];
    for (const [method, xml, code] of cases) {
      const error = checkXmlBounds(method, { xml }, bounds);
      expect(error?.code, xml).toBe(code);
      expect(error?.domain).toBe(method.errorDomain);
    }
    expect(create.errorDomain).toBe(ErrorDomain.DomainSnapshot);
  });

  it('counts snapshot disks only for virDomainSnapshotCreateXML', () => {
    expect(checkXmlBounds(define, { xml: `<domain><disks>${disks(3)}</disks></domain>` }, bounds)).toBeUndefined();
  });
});
