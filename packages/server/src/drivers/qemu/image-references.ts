// Which image files a domain's state refers to, and which overlays a change abandons (referred to before, by nothing after).
import type { DomainDefinition, SnapshotDef } from '@virtwire/protocol/xml';
import { declaredChain, diskElement, type ImageChain } from './disk-chain.js';
import type { DiskStep } from './qemu-intent.js';
import { snapshotDomain, snapshotImage } from './snapshot-images.js';

/** The images a domain's state refers to. */
export interface ImageReferences {
  /** Every image path named anywhere: definitions' chains, snapshots' overlays and recorded chains. */
  all: Set<string>;
  /** Overlays (an image with a layer below it) of writable disks, with their disk target. */
  overlays: Map<string, string>;
}

/**
 * The images referred to by `definitions` (persistent and live; null ones skipped) and by every
 * snapshot in `snapshots`: each disk's chain, each external snapshot's overlay, each snapshot's
 * recorded chain. Base images (the bottom of a chain) are never counted as overlays.
 */
export function imageReferences(definitions: ReadonlyArray<DomainDefinition | null | undefined>, snapshots: Iterable<SnapshotDef>): ImageReferences {
  const refs: ImageReferences = { all: new Set(), overlays: new Map() };
  const addChain = (chain: ImageChain, target: string, writable: boolean) => {
    chain.forEach((layer, index) => {
      refs.all.add(layer.path);
      if (writable && index < chain.length - 1 && !refs.overlays.has(layer.path)) refs.overlays.set(layer.path, target);
    });
  };
  const addDefinition = (definition: DomainDefinition) => {
    for (const disk of definition.disks()) {
      const writable = !disk.readOnly && disk.device === 'disk';
      addChain(declaredChain(diskElement(definition, disk.target)) ?? (disk.source ? [{ path: disk.source, format: 'qcow2' }] : []), disk.target, writable);
    }
  };
  for (const definition of definitions) if (definition) addDefinition(definition);
  for (const def of snapshots) {
    const recorded = snapshotDomain(def);
    for (const disk of recorded?.disks() ?? []) {
      const chain = snapshotImage(def, disk.target);
      if (chain) addChain(chain, disk.target, !disk.readOnly && disk.device === 'disk');
    }
    for (const disk of def.disks) {
      if (disk.snapshot !== 'external' || !disk.source) continue;
      refs.all.add(disk.source);
      if (!refs.overlays.has(disk.source)) refs.overlays.set(disk.source, disk.name);
    }
  }
  return refs;
}

/**
 * Unlink steps for the overlays `before` referred to that nothing in `after` refers to: layers a
 * revert abandons, and layers only deleted snapshots still referred to. Base images, read-only
 * disks' images and anything still referenced are never among them.
 */
export function abandonedOverlaySteps(before: ImageReferences, after: ImageReferences): DiskStep[] {
  const steps: DiskStep[] = [];
  for (const [path, target] of before.overlays) if (!after.all.has(path)) steps.push({ type: 'unlink', target, path });
  return steps;
}
