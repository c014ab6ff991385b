// Merging an external overlay into its base: live block-commit job (with pivot) and offline qemu-img commit.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  commitActiveLayerLive,
  commitOverlayOffline,
  progressReader,
  createImage,
  createLiveExternalSnapshot,
  createOfflineExternalSnapshot,
} from '../../src/drivers/qemu/engine/index.js';
import { useSandbox, graphState, guestWrite, hasQemu, imageHasPattern, timed } from './helpers.js';

describe.skipIf(!hasQemu)('block commit', () => {
  const box = useSandbox();

  it('live: merges the active overlay into its base, pivots the disk, and removes the overlay nodes', async () => {
    const base = await box().image('live/base.qcow2');
    const guest = await box().launch('live', [{ target: 'vda', path: base, format: 'qcow2' }]);
    const snap = await createLiveExternalSnapshot(guest.qmp, [{ target: 'vda', overlayPath: box().path('live/ov.qcow2') }]);
    expect(snap.ok).toBe(true);
    await guestWrite(guest.qmp, 'vda', 0xcd);
    const before = await graphState(guest.qmp);
    expect(before.active.vda).toBe('vda-g1-fmt');

    const { value: result, ms } = await timed(() => commitActiveLayerLive(guest.qmp, { target: 'vda' }));
    console.info(`[qemu-engine] live active block-commit (64 KiB dirty): ${ms.toFixed(1)} ms`);
    expect(result).toMatchObject({
      ok: true,
      disks: [{ target: 'vda', outcome: 'done', previousNode: 'vda-g1-fmt', newNode: 'vda-fmt', overlayPath: box().path('live/ov.qcow2') }],
    });
    const after = await graphState(guest.qmp);
    expect(after.active.vda).toBe('vda-fmt');
    expect(after.nodes).toEqual(['vda-file', 'vda-fmt']);
    await guest.quit();
    expect(imageHasPattern(base, 0xcd)).toBe(true);
  });

  it('live: works on a guest launched with an explicit read-only backing chain', async () => {
    const base = await box().image('chain/base.qcow2');
    const top = box().path('chain/top.qcow2');
    await createImage(top, { format: 'qcow2', backingFile: base, backingFormat: 'qcow2' });
    const guest = await box().launch('chain', [{ target: 'vda', path: top, format: 'qcow2', backingChain: [{ path: base, format: 'qcow2' }] }]);
    expect((await graphState(guest.qmp)).active.vda).toBe('vda-g1-fmt');
    await guestWrite(guest.qmp, 'vda', 0x3c);
    const result = await commitActiveLayerLive(guest.qmp, { target: 'vda' });
    if (!result.ok) console.error(result.error.message, result);
    expect(result).toMatchObject({ ok: true, disks: [{ newNode: 'vda-fmt' }] });
    await guest.quit();
    expect(imageHasPattern(base, 0x3c)).toBe(true);
  });

  it('live: a disk without a backing layer is refused before anything happens', async () => {
    const guest = await box().launch('nobacking', [{ target: 'vda', path: await box().image('nb.qcow2'), format: 'qcow2' }]);
    expect(await commitActiveLayerLive(guest.qmp, { target: 'vda' })).toMatchObject({
      ok: false,
      step: 'live-commit:validate',
      rolledBack: true,
      error: { code: 'no-backing-layer' },
    });
  });

  it('offline: qemu-img commit merges the overlay into its backing file', async () => {
    const base = await box().image('off/base.qcow2');
    const overlay = box().path('off/ov.qcow2');
    expect((await createOfflineExternalSnapshot([{ target: 'vda', path: base, format: 'qcow2', overlayPath: overlay }])).ok).toBe(true);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x77 0 64k', overlay], { stdio: 'ignore' });
    expect(imageHasPattern(base, 0x77)).toBe(false);
    expect(await commitOverlayOffline('vda', overlay)).toMatchObject({ ok: true, disks: [{ outcome: 'done' }] });
    expect(imageHasPattern(base, 0x77)).toBe(true);
    expect(imageHasPattern(overlay, 0x77)).toBe(true);
  });

  it("offline: qemu-img's -p percentages are the job's progress in bytes of the disk, readable while it runs and gone after", async () => {
    const base = await box().image('offp/base.qcow2', 32 * 1024 * 1024);
    const overlay = box().path('offp/ov.qcow2');
    expect((await createOfflineExternalSnapshot([{ target: 'vda', path: base, format: 'qcow2', overlayPath: overlay }])).ok).toBe(true);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x55 0 24M', overlay], { stdio: 'ignore' });
    const probes: Array<(() => Promise<{ processed: number; total: number } | undefined>) | undefined> = [];
    const readings: Array<{ processed: number; total: number } | undefined> = [];
    let polling: Promise<void> | undefined;
    const result = await commitOverlayOffline('vda', overlay, {
      onJobProgress: (probe) => {
        probes.push(probe);
        if (probe)
          polling = (async () => {
            while (probes.at(-1) === probe) {
              readings.push(await probe());
              await new Promise((resolve) => setImmediate(resolve));
            }
          })();
      },
    });
    await polling;
    expect(result.ok).toBe(true);
    // one probe while qemu-img runs, then undefined: DomainGetJobStats reports figures only while the merge runs
    expect(probes.map((p) => typeof p)).toEqual(['function', 'undefined']);
    expect(readings.length).toBeGreaterThan(0);
    for (const reading of readings) expect(reading).toMatchObject({ total: 32 * 1024 * 1024 });
    const processed = readings.map((r) => r!.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(processed.every((p) => p >= 0 && p <= 32 * 1024 * 1024)).toBe(true);
  });

  it("reads qemu-img's progress lines, split anywhere across chunks, and nothing else", () => {
    const seen: number[] = [];
    const read = progressReader((fraction) => seen.push(fraction));
    for (const chunk of ['    (0.00/100%)\r    (12.', '50/100%)\r', '    (100.00/100%)\n', 'qemu-img: note\n', '(101/100%)\n(/100%)\r']) read(chunk);
    expect(seen).toEqual([0, 0.125, 1]);
  });
});
