// Images a QEMU killed mid-write leaves unclean (leaked clusters, refcounts above their references): found with qemu-img check, repaired.
import type { DomainDefinition } from '@virtwire/protocol/xml';
import { existsSync } from 'node:fs';
import { declaredChain, diskElement } from './disk-chain.js';
import { checkImage, isCleanCheck, repairImage } from './engine/index.js';
import type { QemuHost } from './qemu-host.js';

/** The qcow2 images of a definition's writable disks: what its QEMU may have been writing (the active layers, a commit's base). */
export function writableQcow2Images(definition: DomainDefinition): string[] {
  const paths = new Set<string>();
  for (const disk of definition.disks()) {
    if (disk.readOnly || disk.device !== 'disk') continue;
    for (const layer of declaredChain(diskElement(definition, disk.target)) ?? []) if (layer.format === 'qcow2') paths.add(layer.path);
  }
  return [...paths];
}

/**
 * Checks each qcow2 image (none may be in use: qemu-img takes its lock) and repairs what a QEMU
 * killed in the middle of an allocation, an internal snapshot or a commit left: `qemu-img check -r all`
 * only lowers refcounts to their references and frees leaked clusters, so no guest data changes.
 * Returns the images that are still not clean (with why), empty when all are.
 */
export async function repairImages(host: QemuHost, paths: Iterable<string>): Promise<string[]> {
  const { qemuImg, log } = host.services;
  const problems: string[] = [];
  for (const path of new Set(paths)) {
    if (!existsSync(path)) continue;
    try {
      const check = await checkImage(path, { format: 'qcow2' }, qemuImg);
      if (isCleanCheck(check)) continue;
      log.warn({ image: path, check }, 'repairing an image QEMU left unclean');
      const repaired = await repairImage(path, qemuImg);
      if (!isCleanCheck(repaired)) problems.push(`${path}: still not clean after repair (${JSON.stringify(repaired)})`);
    } catch (error) {
      problems.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}
