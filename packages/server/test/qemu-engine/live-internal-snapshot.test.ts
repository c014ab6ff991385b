// Live internal snapshots against real QEMU: atomic disk-only transaction, snapshot-save/load/delete jobs, injected EIO.
import { describe, expect, it } from 'vitest';
import {
  QmpError,
  QemuJobError,
  createLiveInternalDiskSnapshot,
  deleteLiveCheckpoint,
  deleteLiveInternalDiskSnapshot,
  loadLiveCheckpoint,
  saveLiveCheckpoint,
} from '../../src/drivers/qemu/engine/index.js';
import type { QemuProcess } from '../../src/drivers/qemu/engine/index.js';
import { useSandbox, blkdebugDiskArgs, guestWrite, hasQemu, imageHasPattern, liveTags, timed } from './helpers.js';

describe.skipIf(!hasQemu)('live internal snapshots', () => {
  const box = useSandbox();

  async function guestWithTwoDisks(name: string, options: { eioOnSecond?: boolean } = {}): Promise<{ guest: QemuProcess; images: string[] }> {
    const images = [await box().image(`${name}/d0.qcow2`), await box().image(`${name}/d1.qcow2`)];
    const [first, second] = images as [string, string];
    const guest = options.eioOnSecond
      ? await box().launch(name, [{ target: 'vda', path: first, format: 'qcow2' }], { extraArgs: blkdebugDiskArgs('vdb', second) })
      : await box().launch(name, [
          { target: 'vda', path: first, format: 'qcow2' },
          { target: 'vdb', path: second, format: 'qcow2' },
        ]);
    return { guest, images };
  }

  it('disk-only transaction snapshots every disk at once; delete removes it', async () => {
    const { guest } = await guestWithTwoDisks('tx');
    const { value: result, ms } = await timed(() => createLiveInternalDiskSnapshot(guest.qmp, ['vda', 'vdb'], 't1'));
    console.info(`[qemu-engine] live internal disk-only transaction (2 disks): ${ms.toFixed(1)} ms`);
    expect(result).toMatchObject({
      ok: true,
      disks: [
        { target: 'vda', outcome: 'done' },
        { target: 'vdb', outcome: 'done' },
      ],
    });
    expect(await liveTags(guest.qmp)).toEqual({ vda: ['t1'], vdb: ['t1'] });

    const clash = await createLiveInternalDiskSnapshot(guest.qmp, ['vda', 'vdb'], 't1');
    expect(clash).toMatchObject({ ok: false, step: 'live-internal:validate', error: { code: 'snapshot-exists' }, rolledBack: true });

    expect(await deleteLiveInternalDiskSnapshot(guest.qmp, ['vda', 'vdb'], 't1')).toMatchObject({ ok: true });
    expect(await liveTags(guest.qmp)).toEqual({ vda: [], vdb: [] });
    expect(await deleteLiveInternalDiskSnapshot(guest.qmp, ['vda'], 't1')).toMatchObject({ ok: true, disks: [{ outcome: 'untouched' }] });
  });

  it('disk-only transaction with EIO on the second disk leaves no tag on either disk', async () => {
    const { guest } = await guestWithTwoDisks('txeio', { eioOnSecond: true });
    const result = await createLiveInternalDiskSnapshot(guest.qmp, ['vda', 'vdb'], 't1');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(QmpError);
    expect((result.error as QmpError).desc).toBe("Failed to create snapshot 't1' on device 'vdb-fmt': Input/output error");
    expect(result.rolledBack).toBe(true);
    expect(await liveTags(guest.qmp)).toEqual({ vda: [], vdb: [] });
  });

  it('snapshot-save checkpoints all writable disks with VM state; load reverts content; delete is idempotent', async () => {
    const { guest, images } = await guestWithTwoDisks('save');
    await guestWrite(guest.qmp, 'vda', 0x11);
    await guestWrite(guest.qmp, 'vdb', 0x22);
    const { value: saved, ms } = await timed(() => saveLiveCheckpoint(guest.qmp, 'c1'));
    console.info(`[qemu-engine] snapshot-save (2 disks, paused, 128 MiB): ${ms.toFixed(1)} ms`);
    expect(saved).toMatchObject({ ok: true });
    expect(await liveTags(guest.qmp)).toEqual({ vda: ['c1'], vdb: ['c1'] });
    expect((await guest.queryStatus()).status).toBe('paused');

    const again = await saveLiveCheckpoint(guest.qmp, 'c1');
    expect(again).toMatchObject({ ok: false, error: { code: 'snapshot-exists' }, rolledBack: true });

    await guestWrite(guest.qmp, 'vda', 0x33);
    await guestWrite(guest.qmp, 'vdb', 0x44);
    expect(await loadLiveCheckpoint(guest.qmp, 'c1')).toMatchObject({ ok: true });
    expect((await guest.queryStatus()).status).toBe('paused');
    expect(await loadLiveCheckpoint(guest.qmp, 'nope')).toMatchObject({ ok: false, error: { code: 'no-such-snapshot' }, rolledBack: true });

    expect(await deleteLiveCheckpoint(guest.qmp, 'c1')).toMatchObject({ ok: true, disks: [{ outcome: 'done' }, { outcome: 'done' }] });
    expect(await liveTags(guest.qmp)).toEqual({ vda: [], vdb: [] });
    expect(await deleteLiveCheckpoint(guest.qmp, 'c1')).toMatchObject({ ok: true, disks: [] });

    await guest.quit();
    expect(imageHasPattern(images[0] ?? '', 0x11)).toBe(true);
    expect(imageHasPattern(images[1] ?? '', 0x22)).toBe(true);
  });

  it('snapshot-save with EIO on the second disk fails as a job error and leaves no tag anywhere', async () => {
    const { guest } = await guestWithTwoDisks('saveeio', { eioOnSecond: true });
    const result = await saveLiveCheckpoint(guest.qmp, 's1');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe('checkpoint-save:save');
    expect(result.error).toBeInstanceOf(QemuJobError);
    expect((result.error as QemuJobError).desc).toBe("Could not create snapshot 's1' on 'vdb-fmt'");
    expect(result.rolledBack).toBe(true);
    expect(await liveTags(guest.qmp)).toEqual({ vda: [], vdb: [] });
  });

  it('snapshot-save refuses a writable raw disk up front; a read-only raw disk is skipped', async () => {
    const qcow = await box().image('raw/d0.qcow2');
    const raw = await box().image('raw/d1.raw', 1024 * 1024, 'raw');
    const writableRaw = await box().launch('rawrw', [
      { target: 'vda', path: qcow, format: 'qcow2' },
      { target: 'vdb', path: raw, format: 'raw' },
    ]);
    expect(await saveLiveCheckpoint(writableRaw.qmp, 's1')).toMatchObject({
      ok: false,
      step: 'checkpoint-save:validate',
      error: { code: 'unsupported-format' },
    });
    await box().killGuests();
    const readOnlyRaw = await box().launch('rawro', [
      { target: 'vda', path: qcow, format: 'qcow2' },
      { target: 'vdb', path: raw, format: 'raw', readOnly: true },
    ]);
    expect(await saveLiveCheckpoint(readOnlyRaw.qmp, 's1')).toMatchObject({ ok: true, disks: [{ target: 'vda', outcome: 'done' }] });
  });
});
