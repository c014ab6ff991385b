// One disk's part in a live external snapshot: its overlay's node names, what was done for it, and its report.
import type { LiveDisk } from './block-graph.js';
import { layerNodeNames, parseLayerNodeName } from './node-names.js';
import type { LayerNodeNames } from './node-names.js';
import type { DiskReport } from './operation-result.js';
import type { ReservedFile } from './reserved-file.js';
import type { LiveExternalDiskRequest } from './live-external-request.js';

/** One disk of the snapshot as it is prepared. */
export interface OverlayPlan {
  request: LiveExternalDiskRequest;
  disk: LiveDisk;
  nodes: LayerNodeNames;
  backingPath: string;
  reserved?: ReservedFile;
  /** The file node was added on its own (it must be deleted on its own). */
  fileNodeAdded: boolean;
  /** The format node was added (with its file node nested inside, unless fileNodeAdded). */
  formatNodeAdded: boolean;
}

/**
 * Node names for the next layer of `disk`: one generation above the active layer when it follows
 * our naming scheme, bumped past any name already in use.
 */
export function nextLayerNodes(disk: LiveDisk, usedNames: ReadonlySet<string>): LayerNodeNames {
  const parsed = parseLayerNodeName(disk.activeNode);
  let generation = parsed?.target === disk.target ? parsed.generation + 1 : 1;
  for (;;) {
    const names = layerNodeNames(disk.target, generation);
    if (!usedNames.has(names.file) && !usedNames.has(names.format)) return names;
    generation += 1;
  }
}

/** The blockdev-add options of an overlay's file (protocol) node. */
export function fileNodeOptions(plan: OverlayPlan): Record<string, unknown> {
  return { driver: 'file', filename: plan.request.overlayPath, 'node-name': plan.nodes.file, 'auto-read-only': true, discard: 'unmap' };
}

/** What a snapshot that succeeded did to this plan's disk. */
export function successReport(plan: OverlayPlan): DiskReport {
  const report: DiskReport = {
    target: plan.request.target,
    outcome: 'done',
    previousNode: plan.disk.activeNode,
    newNode: plan.nodes.format,
    overlayPath: plan.request.overlayPath,
  };
  if (plan.reserved) report.createdFile = plan.reserved;
  return report;
}

/** What a failed snapshot left of this plan's disk: untouched, rolled back, or inconsistent (a rollback problem names it). */
export function failureReport(plan: OverlayPlan, touched: boolean, problems: readonly string[]): DiskReport {
  const target = plan.request.target;
  const mine = problems.filter(
    (p) => p.includes(plan.nodes.file) || p.includes(plan.nodes.format) || p.includes(plan.request.overlayPath) || p.includes(`disk ${target}:`),
  );
  if (mine.length > 0) return { target, outcome: 'inconsistent', detail: mine.join('; '), overlayPath: plan.request.overlayPath };
  return { target, outcome: touched ? 'rolled-back' : 'untouched', overlayPath: plan.request.overlayPath };
}
