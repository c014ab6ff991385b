// Stable QEMU block node names derived from a disk target and a layer generation (vda-fmt, vda-g2-file, ...).
import { PreconditionError } from './errors.js';

/** The file (protocol) node and format node of one image layer. */
export interface LayerNodeNames {
  file: string;
  format: string;
}

/** A node name parsed back into its parts. */
export interface ParsedNodeName {
  target: string;
  generation: number;
  role: 'file' | 'format';
}

const TARGET_PATTERN = /^[a-z][a-z0-9]{0,11}$/;
const NODE_NAME_PATTERN = /^([a-z][a-z0-9]{0,11})(?:-g([1-9][0-9]{0,8}))?-(file|fmt)$/;

/** Disk targets ("vda", "sdb") become QEMU ids and node-name prefixes: 1-12 chars, [a-z][a-z0-9]*. */
export function assertDiskTarget(target: string): void {
  if (!TARGET_PATTERN.test(target)) {
    throw new PreconditionError('invalid-target', `invalid disk target ${JSON.stringify(target)} (expected [a-z][a-z0-9]{0,11})`);
  }
}

/**
 * Node names of layer `generation` of disk `target`. The base image is generation 0 ("vda-file",
 * "vda-fmt"); each external snapshot adds one ("vda-g1-file", "vda-g1-fmt"). Relaunching a guest
 * with the same chain yields the same names. All names stay within QEMU's 31-character limit.
 */
export function layerNodeNames(target: string, generation: number): LayerNodeNames {
  assertDiskTarget(target);
  if (!Number.isInteger(generation) || generation < 0 || generation > 999_999_999) {
    throw new PreconditionError('invalid-generation', `invalid layer generation ${generation}`);
  }
  const stem = generation === 0 ? target : `${target}-g${generation}`;
  return { file: `${stem}-file`, format: `${stem}-fmt` };
}

/** Parses a node name made by layerNodeNames; undefined for any other name. */
export function parseLayerNodeName(nodeName: string): ParsedNodeName | undefined {
  const match = NODE_NAME_PATTERN.exec(nodeName);
  if (!match?.[1] || !match[3]) return undefined;
  return { target: match[1], generation: match[2] ? Number(match[2]) : 0, role: match[3] === 'file' ? 'file' : 'format' };
}

/** The file node that sits under a format node named by layerNodeNames, or undefined for foreign names. */
export function fileNodeOf(formatNodeName: string): string | undefined {
  const parsed = parseLayerNodeName(formatNodeName);
  return parsed?.role === 'format' ? layerNodeNames(parsed.target, parsed.generation).file : undefined;
}
