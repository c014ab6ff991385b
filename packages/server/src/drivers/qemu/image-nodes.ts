// Finds the QEMU block nodes that open an image file, to delete them again (the format node first, then its file node).
import { deleteBlockNode, layerNodeNames, parseLayerNodeName, readNamedNodes, type QmpClient } from './engine/index.js';

/**
 * Node names that open `path`, in deletion order: format nodes, then file nodes. A file node is
 * found by its filename; its format node by the engine's naming scheme (`vda-g1-file` under
 * `vda-g1-fmt`), since a qcow2 node opened with `"backing": null` over an image that has a
 * backing file reports a `json:` pseudo-filename instead of the path.
 */
export async function nodesOfImage(qmp: QmpClient, paths: ReadonlySet<string>): Promise<string[]> {
  const nodes = await readNamedNodes(qmp);
  const names = new Set(nodes.map((n) => n['node-name']));
  const files = nodes.filter((n) => n.drv === 'file' && (paths.has(n.image.filename) || paths.has(n.file))).map((n) => n['node-name']);
  const formats = new Set(nodes.filter((n) => n.drv !== 'file' && (paths.has(n.image.filename) || paths.has(n.file))).map((n) => n['node-name']));
  for (const file of files) {
    const parsed = parseLayerNodeName(file);
    const format = parsed ? layerNodeNames(parsed.target, parsed.generation).format : undefined;
    if (format !== undefined && names.has(format)) formats.add(format);
  }
  return [...formats, ...files];
}

/**
 * Deletes every node that opens one of `paths` (nodes no disk uses any more). A file node nested in
 * its format node's blockdev-add is gone with it, which counts as deleted.
 */
export async function deleteNodesOfImages(qmp: QmpClient, paths: ReadonlySet<string>): Promise<void> {
  for (const node of await nodesOfImage(qmp, paths)) await deleteBlockNode(qmp, node);
}
