// A redefined snapshot's copies of its domain (<domain>, <inactiveDomain>) parsed as the driver parses a definition.
import { DomainDefinition, formatXml, type DriverDefaults, type SnapshotDef, type XmlElement } from '@virtwire/protocol/xml';
import { randomUUID } from 'node:crypto';

const renamed = (tree: XmlElement, name: string): XmlElement => ({ name, attributes: tree.attributes, children: tree.children });

/**
 * libvirt parses a redefined snapshot's `<domain>` and `<inactiveDomain>` with the driver's domain
 * parser (virDomainDefParseNode, INACTIVE and SKIP_VALIDATE), so what it keeps and dumps is the
 * definition with the driver's defaults, in canonical form. The copies are replaced by that form
 * here; a copy the model cannot read is kept as given (never refused: libvirt skips validation).
 */
export function canonicalSnapshotDomains(def: SnapshotDef, defaults: DriverDefaults): void {
  for (const key of ['domain', 'inactiveDomain'] as const) {
    const tree = def[key];
    if (tree === undefined) continue;
    try {
      const parsed = DomainDefinition.parse(formatXml(renamed(tree, 'domain')), { defaults, generateUuid: randomUUID });
      def[key] = renamed(parsed.tree, key);
    } catch {
      // kept as given
    }
  }
}
