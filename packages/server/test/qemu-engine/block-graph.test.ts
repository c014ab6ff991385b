// Reading the block graph of a real QEMU: every node's name from the graph query, the same as the stable query's, with a fallback.
import { describe, expect, it } from 'vitest';
import { QmpError, createLiveExternalSnapshot, readBlockGraph, readNamedNodes, readNodeNames } from '../../src/drivers/qemu/engine/index.js';
import type { QmpClient } from '../../src/drivers/qemu/engine/index.js';
import { useSandbox, hasQemu } from './helpers.js';

describe.skipIf(!hasQemu)('block graph', () => {
  const box = useSandbox();

  /** A guest whose two disks have two layers each (an external snapshot taken), so the graph holds backing and file nodes. */
  async function layeredGuest(name: string): Promise<QmpClient> {
    const disks = [
      { target: 'vda', path: await box().image(`${name}/a.qcow2`), format: 'qcow2' as const },
      { target: 'vdb', path: await box().image(`${name}/b.qcow2`), format: 'qcow2' as const },
    ];
    const guest = await box().launch(name, disks);
    const result = await createLiveExternalSnapshot(
      guest.qmp,
      disks.map((d) => ({ target: d.target, overlayPath: `${d.path}.s1` })),
    );
    expect(result.ok).toBe(true);
    return guest.qmp;
  }

  const stableNames = async (qmp: QmpClient) => (await readNamedNodes(qmp)).map((n) => n['node-name']).sort();

  it("lists every block node's name, as query-named-block-nodes does", async () => {
    const qmp = await layeredGuest('names');
    const names = [...(await readNodeNames(qmp))].sort();
    expect(names.length).toBeGreaterThanOrEqual(8); // per disk: the overlay's format and file nodes, the base's two
    expect(names).toEqual(await stableNames(qmp));
    expect((await readBlockGraph(qmp)).fingerprint.nodeNames).toEqual(names);
  });

  it('asks the stable query when QEMU has no graph query, and keeps asking it', async () => {
    const qmp = await layeredGuest('fallback');
    const asked: string[] = [];
    const withoutGraphQuery = Object.create(qmp) as QmpClient;
    withoutGraphQuery.execute = (<T>(command: string, args?: Record<string, unknown>): Promise<T> => {
      asked.push(command);
      if (command === 'x-debug-query-block-graph') {
        return Promise.reject(new QmpError(command, 'CommandNotFound', `The command ${command} has not been found`));
      }
      return qmp.execute<T>(command, args);
    }) as QmpClient['execute'];
    expect([...(await readNodeNames(withoutGraphQuery))].sort()).toEqual(await stableNames(qmp));
    expect([...(await readNodeNames(withoutGraphQuery))].sort()).toEqual(await stableNames(qmp));
    expect(asked).toEqual(['x-debug-query-block-graph', 'query-named-block-nodes', 'query-named-block-nodes']);
  });

  it('reports any other failure of the graph query', async () => {
    const qmp = await layeredGuest('failing');
    const failing = Object.create(qmp) as QmpClient;
    failing.execute = (<T>(command: string, args?: Record<string, unknown>): Promise<T> =>
      command === 'x-debug-query-block-graph'
        ? Promise.reject(new QmpError(command, 'GenericError', 'broken'))
        : qmp.execute<T>(command, args)) as QmpClient['execute'];
    await expect(readNodeNames(failing)).rejects.toThrow('broken');
  });
});
