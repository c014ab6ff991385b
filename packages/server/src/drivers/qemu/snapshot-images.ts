// The images a snapshot recorded: its <domain> definition and, per disk, the chain that holds its state.
import { DomainDefinition, type SnapshotDef } from '@virtwire/protocol/xml';
import { declaredChain, diskElement, type ImageChain } from './disk-chain.js';

/** The definition a snapshot recorded (its `<domain>`), if it has one with a type. */
export function snapshotDomain(def: SnapshotDef): DomainDefinition | undefined {
  if (!def.domain?.attributes.has('type')) return undefined;
  return DomainDefinition.fromTree(def.domain);
}

/** The snapshot's image of disk `target` when it was taken (the image that holds its state). */
export function snapshotImage(def: SnapshotDef, target: string): ImageChain | undefined {
  const domain = snapshotDomain(def);
  const disk = domain?.disks().find((d) => d.target === target);
  if (!domain || !disk) return undefined;
  return declaredChain(diskElement(domain, target)) ?? (disk.source ? [{ path: disk.source, format: disk.format === 'qcow2' ? 'qcow2' : 'raw' }] : undefined);
}
