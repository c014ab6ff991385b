// Reads what virsh reads from a snapshot's XML (state, creation time, parent, memory and disk locations).
import { ErrorDomain } from '@virtwire/client';
import type { XmlElement } from '@virtwire/client/xml';

/** The facts virsh's snapshot-list and snapshot-info take from `<domainsnapshot>`. */
export interface SnapshotXmlFacts {
  state: string | undefined;
  creationTime: number | undefined;
  parent: string | undefined;
  /** External memory or any external disk (virsh's "Location"); old XML without `<memory>`: disk-snapshot state. */
  external: boolean;
}

const KIND = { label: 'domain_snapshot', root: 'domainsnapshot', errorDomain: ErrorDomain.DomainSnapshot };

/**
 * Parses the facts; undefined when the XML does not parse (virsh then skips the snapshot). The XML
 * parser is loaded on first use: most commands never read XML, and vwsh starts faster without it.
 */
export async function snapshotXmlFacts(xml: string): Promise<SnapshotXmlFacts | undefined> {
  const { childElement, childElements, childText, parseXmlDocument } = await import('@virtwire/client/xml');
  let root: XmlElement;
  try {
    root = parseXmlDocument(xml, KIND);
  } catch {
    return undefined;
  }
  const state = childText(root, 'state');
  const time = childText(root, 'creationTime')?.trim();
  const parentElement = childElement(root, 'parent');
  const parent = parentElement ? childText(parentElement, 'name') : undefined;
  const memory = childElement(root, 'memory');
  const disks = childElement(root, 'disks');
  const external = memory
    ? memory.attributes.get('snapshot') === 'external' || (disks ? childElements(disks, 'disk') : []).some((d) => d.attributes.get('snapshot') === 'external')
    : state === 'disk-snapshot';
  return {
    state,
    creationTime: time !== undefined && /^-?\d{1,19}$/.test(time) ? Number(time) : undefined,
    parent: parent === '' ? undefined : parent,
    external,
  };
}
