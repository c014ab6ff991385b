// Deletes QEMU block nodes with blockdev-del, counting a node that is already gone as deleted.
import { QmpError } from './errors.js';
import type { QmpClient } from './qmp-client.js';

/**
 * Deletes block node `nodeName` (QMP `blockdev-del`). A node QEMU no longer has counts as deleted:
 * a file node added nested inside its format node's `blockdev-add` goes with that format node, so
 * deleting "the format node, then its file node" must not fail on the second step. Any other
 * refusal (the node is in use, or not the monitor's to delete) is thrown.
 */
export async function deleteBlockNode(qmp: QmpClient, nodeName: string): Promise<void> {
  try {
    await qmp.execute('blockdev-del', { 'node-name': nodeName });
  } catch (error) {
    if (isNodeGone(error, nodeName)) return;
    throw error;
  }
}

/** QEMU's answer to blockdev-del of a node it does not have (qmp_blockdev_del in QEMU 7.2: "Failed to find node with node-name='x'"). */
function isNodeGone(error: unknown, nodeName: string): boolean {
  return error instanceof QmpError && error.class === 'GenericError' && error.desc === `Failed to find node with node-name='${nodeName}'`;
}
