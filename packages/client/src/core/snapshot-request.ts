// Works out, from the request alone, what kind of snapshot DomainSnapshotCreateXML asks for and how many disks it changes.
import { DomainSnapshotCreateFlags as Create, type AtomicRequest, type DomainRef } from '@virtwire/protocol';

/**
 * Describes an atomic snapshot request as far as the client can tell: location and scope from the
 * XML and flags, state from the domain reference (its id is -1 when it was inactive at lookup), disk
 * count from the disks the XML names explicitly (a lower bound: unnamed disks may change too). Returns
 * undefined when the XML does not say how many disks change (or cannot be parsed: then the daemon
 * reports the error). The XML parser is loaded on first use: only drivers with a finite atomic disk
 * limit need it, and the SDK's main bundle leaves it out.
 */
export async function describeSnapshotRequest(domain: DomainRef, xml: string, flags: number): Promise<AtomicRequest | undefined> {
  if (flags & Create.Redefine) return undefined;
  const { parseSnapshotXml } = await import('@virtwire/protocol/xml');
  let def;
  try {
    def = parseSnapshotXml(xml);
  } catch {
    return undefined;
  }
  const changing = def.disks.filter((d) => d.snapshot === 'internal' || d.snapshot === 'external');
  if (changing.length === 0) return undefined;
  const diskOnly = (flags & Create.DiskOnly) !== 0;
  const external = diskOnly || def.memory?.snapshot === 'external' || changing.some((d) => d.snapshot === 'external');
  return {
    location: external ? 'external' : 'internal',
    scope: diskOnly ? 'disk-only' : 'full',
    state: domain.id === -1 ? 'offline' : 'live',
    disks: changing.length,
  };
}
