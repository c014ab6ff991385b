// Deleting block nodes of a real QEMU: a live snapshot's file node goes with its format node, and deleting it after that counts as done.
import { describe, expect, it } from 'vitest';
import { QmpError, createLiveExternalSnapshot, deleteBlockNode, readNodeNames } from '../../src/drivers/qemu/engine/index.js';
import { useSandbox, hasQemu } from './helpers.js';

describe.skipIf(!hasQemu)('block node removal', () => {
  const box = useSandbox();

  it('a snapshot overlay is one blockdev-add: its file node is nested, goes with the format node, and deleting it then is no error', async () => {
    const path = await box().image('nested/a.qcow2');
    const guest = await box().launch('nested', [{ target: 'vda', path, format: 'qcow2' }]);
    const result = await createLiveExternalSnapshot(guest.qmp, [{ target: 'vda', overlayPath: `${path}.s1` }]);
    expect(result.ok).toBe(true);
    // nested in its format node's blockdev-add, the overlay's file node is not the monitor's to delete
    const refusal = await deleteBlockNode(guest.qmp, 'vda-g1-file').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(QmpError);
    expect((refusal as QmpError).desc).toBe('Node vda-g1-file is not owned by the monitor');
    expect(await readNodeNames(guest.qmp)).toContain('vda-g1-file');
  });

  it('deleting a format node frees its nested file node; deleting that file node afterwards resolves, and an unknown node too', async () => {
    const path = await box().image('gone/a.qcow2');
    const guest = await box().launch('gone', [{ target: 'vda', path, format: 'qcow2' }]);
    const overlay = `${path}.extra`;
    await box().image('gone/a.qcow2.extra');
    await guest.qmp.execute('blockdev-add', {
      driver: 'qcow2',
      'node-name': 'extra-fmt',
      file: { driver: 'file', filename: overlay, 'node-name': 'extra-file' },
    });
    expect(await readNodeNames(guest.qmp)).toEqual(expect.arrayContaining(['extra-fmt', 'extra-file']));
    await deleteBlockNode(guest.qmp, 'extra-fmt');
    await deleteBlockNode(guest.qmp, 'extra-file');
    await deleteBlockNode(guest.qmp, 'never-there');
    const names = await readNodeNames(guest.qmp);
    expect(names).not.toContain('extra-fmt');
    expect(names).not.toContain('extra-file');
  });
});
