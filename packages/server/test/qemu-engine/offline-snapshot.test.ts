// Offline (no QEMU process) snapshots with qemu-img: all-or-nothing external/internal create, safe revert, delete.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QemuImgError,
  checkImage,
  createOfflineExternalSnapshot,
  createOfflineInternalSnapshot,
  deleteOfflineInternalSnapshot,
  imageBackingChain,
  listSnapshots,
  revertOfflineInternalSnapshot,
} from '../../src/drivers/qemu/engine/index.js';
import type { OfflineDisk } from '../../src/drivers/qemu/engine/index.js';
import { Sandbox, canMount, fillUp, hasQemu, imageHasPattern, listTree, timed } from './helpers.js';

/** Writes `pattern` at the start of an image with the qemu-io binary. */
function offlineWrite(file: string, pattern: number): void {
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x${pattern.toString(16)} 0 64k`, file], { stdio: 'ignore' });
}

async function tagsOf(disks: readonly OfflineDisk[]): Promise<string[][]> {
  return Promise.all(disks.map(async (d) => (await listSnapshots(d.path)).map((s) => s.name)));
}

describe.skipIf(!hasQemu)('offline snapshots (qemu-img)', () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await Sandbox.create();
  });
  afterAll(async () => {
    await box?.cleanup();
  });

  async function disks(name: string, count: number): Promise<OfflineDisk[]> {
    const out: OfflineDisk[] = [];
    for (let i = 0; i < count; i++) out.push({ target: `vd${String.fromCharCode(97 + i)}`, path: await box.image(`${name}/d${i}.qcow2`), format: 'qcow2' });
    return out;
  }

  it('external: creates 0600 overlays with absolute backing file and explicit backing format', async () => {
    const base = await disks('ext-ok', 3);
    const dir = await box.mkdir('ext-ok-ov');
    const reserved: string[] = [];
    const { value: result, ms } = await timed(() =>
      createOfflineExternalSnapshot(
        base.map((d, i) => ({ ...d, overlayPath: `${dir}/ov${i}.qcow2` })),
        {
          onFilesReserved: (files) => void reserved.push(...files.map((f) => f.path)),
        },
      ),
    );
    console.info(`[qemu-engine] offline external (3 disks): ${ms.toFixed(1)} ms`);
    expect(result.ok).toBe(true);
    expect(reserved).toEqual([0, 1, 2].map((i) => `${dir}/ov${i}.qcow2`));
    for (const [i, disk] of base.entries()) {
      const overlay = `${dir}/ov${i}.qcow2`;
      expect((await fs.stat(overlay)).mode & 0o777).toBe(0o600);
      const [top] = await imageBackingChain(overlay);
      expect(top).toMatchObject({ format: 'qcow2', 'backing-filename': disk.path, 'backing-filename-format': 'qcow2' });
      expect(result.disks[i]?.createdFile?.path).toBe(overlay);
    }
  });

  it.skipIf(!canMount)('external: read-only target for the last disk → every overlay created is unlinked', async () => {
    const base = await disks('ext-ro', 3);
    const dir = await box.mkdir('ext-ro-ov');
    const ro = await box.mountTmpfs(['ext-ro-mnt'], { readOnly: true });
    const before = await listTree(box.root);
    const result = await createOfflineExternalSnapshot(base.map((d, i) => ({ ...d, overlayPath: i === 2 ? `${ro}/ov2.qcow2` : `${dir}/ov${i}.qcow2` })));
    expect(result).toMatchObject({ ok: false, step: 'offline-external:reserve-files', rolledBack: true, error: { code: 'EROFS' } });
    expect(result.disks.map((d) => d.outcome)).toEqual(['rolled-back', 'rolled-back', 'untouched']);
    expect(await listTree(box.root)).toEqual(before);
  });

  it.skipIf(!canMount)('external: disk full on the last disk → qemu-img error text, every overlay unlinked', async () => {
    const base = await disks('ext-full', 3);
    const dir = await box.mkdir('ext-full-ov');
    const full = await box.mountTmpfs(['ext-full-mnt'], { sizeBytes: 1024 * 1024 });
    await fillUp(full);
    const before = await listTree(box.root);
    const result = await createOfflineExternalSnapshot(base.map((d, i) => ({ ...d, overlayPath: i === 2 ? `${full}/ov2.qcow2` : `${dir}/ov${i}.qcow2` })));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe('offline-external:create:vdc');
    expect(result.error).toBeInstanceOf(QemuImgError);
    console.info(`[qemu-engine] offline ENOSPC error text: ${result.error.message}`);
    expect(result.error.message).toMatch(/No space left on device/);
    expect(result.rolledBack).toBe(true);
    expect(await listTree(box.root)).toEqual(before);
  });

  it('internal: snapshot on every disk; a failure before the last disk deletes the tag from the others', async () => {
    const set = await disks('int', 3);
    const { value: ok, ms } = await timed(() => createOfflineInternalSnapshot(set, 's1'));
    console.info(`[qemu-engine] offline internal (3 disks): ${ms.toFixed(1)} ms`);
    expect(ok.ok).toBe(true);
    expect(await tagsOf(set)).toEqual([['s1'], ['s1'], ['s1']]);
    const failed = await createOfflineInternalSnapshot(set, 's2', {
      failpoint: (step) => {
        if (step === 'offline-internal:before-create:vdc') throw new Error('injected');
      },
    });
    expect(failed).toMatchObject({ ok: false, rolledBack: true });
    expect(failed.disks.map((d) => d.outcome)).toEqual(['rolled-back', 'rolled-back', 'untouched']);
    expect(await tagsOf(set)).toEqual([['s1'], ['s1'], ['s1']]);
    expect(await createOfflineInternalSnapshot(set, 's1')).toMatchObject({ ok: false, error: { code: 'snapshot-exists' } });
  });

  it.skipIf(!canMount)('internal: disk full on the last disk → qemu-img ENOSPC, tag removed from the others, images check clean', async () => {
    const set = await disks('int-full', 2);
    const mnt = await box.mountTmpfs(['int-full-mnt'], { sizeBytes: 2 * 1024 * 1024 });
    const last = { target: 'vdc', path: await box.image('int-full-mnt/d2.qcow2'), format: 'qcow2' as const };
    offlineWrite(last.path, 0x5a);
    await fillUp(mnt);
    const all = [...set, last];
    const result = await createOfflineInternalSnapshot(all, 'snapB');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    console.info(`[qemu-engine] offline internal ENOSPC error text: ${result.error.message}`);
    expect(result.error.message).toMatch(/No space left on device/);
    expect(result.rolledBack).toBe(true);
    expect(await tagsOf(all)).toEqual([[], [], []]);
    for (const disk of all) expect(await checkImage(disk.path)).toMatchObject({ 'check-errors': 0 });
  });

  it('revert: all disks go back to the snapshot; a failure midway restores every disk and keeps no safety snapshot', async () => {
    const set = await disks('rev', 2);
    for (const d of set) offlineWrite(d.path, 0x01);
    expect((await createOfflineInternalSnapshot(set, 'r1')).ok).toBe(true);
    for (const d of set) offlineWrite(d.path, 0x02);

    const failed = await revertOfflineInternalSnapshot(set, 'r1', {
      failpoint: (step) => {
        if (step === 'offline-revert:before-apply:vdb') throw new Error('injected');
      },
    });
    expect(failed).toMatchObject({ ok: false, rolledBack: true });
    for (const d of set) expect(imageHasPattern(d.path, 0x02)).toBe(true);
    expect(await tagsOf(set)).toEqual([['r1'], ['r1']]);

    expect(await revertOfflineInternalSnapshot(set, 'r1')).toMatchObject({ ok: true });
    for (const d of set) expect(imageHasPattern(d.path, 0x01)).toBe(true);
    expect(await tagsOf(set)).toEqual([['r1'], ['r1']]);
    expect(await revertOfflineInternalSnapshot(set, 'nope')).toMatchObject({ ok: false, error: { code: 'no-such-snapshot' }, rolledBack: true });

    expect(await deleteOfflineInternalSnapshot(set, 'r1')).toMatchObject({ ok: true, disks: [{ outcome: 'done' }, { outcome: 'done' }] });
    expect(await tagsOf(set)).toEqual([[], []]);
    expect(await deleteOfflineInternalSnapshot(set, 'r1')).toMatchObject({ ok: true, disks: [{ outcome: 'untouched' }, { outcome: 'untouched' }] });
  });

  it('refuses images held by a running QEMU (qemu-img lock error) before changing anything', async () => {
    const [disk] = await disks('locked', 1);
    if (!disk) throw new Error('no disk');
    await box.launch('locked', [{ ...disk }]);
    const result = await createOfflineInternalSnapshot([disk], 's1');
    expect(result).toMatchObject({ ok: false, step: 'offline-internal:validate', rolledBack: true });
    if (!result.ok) console.info(`[qemu-engine] offline on a running image: ${result.error.message}`);
    expect(result.ok ? '' : result.error.message).toMatch(/Failed to get shared "write" lock/);
    await box.killGuests();
  });
});
