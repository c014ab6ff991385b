// Atomic live external disk-only snapshots against real QEMU guests: rollback on EROFS, ENOSPC, failpoints, transaction errors.
import { promises as fs } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  QmpError,
  liveExternalFailpoints,
  createImage,
  createLiveExternalSnapshot,
  imageBackingChain,
  readLiveDisks,
} from '../../src/drivers/qemu/engine/index.js';
import type { QemuProcess } from '../../src/drivers/qemu/engine/index.js';
import { MiB, Sandbox, canMount, checkClean, fillUp, graphState, guestWrite, hasQemu, imageHasPattern, listTree } from './helpers.js';

const MODES = ['blockdev-create', 'engine'] as const;

describe.skipIf(!hasQemu).each(MODES)('live external disk-only snapshot (atomic), overlays formatted by %s', (overlayCreation) => {
  let box: Sandbox;
  let guest: QemuProcess;
  let base0: string;
  let base1: string;
  const snapshot = (...[qmp, requests, options]: Parameters<typeof createLiveExternalSnapshot>) =>
    createLiveExternalSnapshot(qmp, requests, { ...options, overlayCreation });

  beforeAll(async () => {
    box = await Sandbox.create();
  });
  afterEach(async () => {
    await box.killGuests();
  });
  afterAll(async () => {
    await box?.cleanup();
  });

  async function twoDiskGuest(name: string, startState: 'paused' | 'running' = 'paused'): Promise<QemuProcess> {
    base0 = await box.image(`${name}/base0.qcow2`);
    base1 = await box.image(`${name}/base1.qcow2`);
    guest = await box.launch(
      name,
      [
        { target: 'vda', path: base0, format: 'qcow2' },
        { target: 'vdb', path: base1, format: 'qcow2' },
      ],
      { startState },
    );
    return guest;
  }

  it.skipIf(!canMount)('seed: second overlay on a read-only filesystem → fails, nothing changes, no overlay left', async () => {
    await twoDiskGuest('seed');
    expect((await guest.queryStatus()).status).toBe('paused');
    const writable = await box.mkdir('seed-ov');
    const readOnly = await box.mountTmpfs(['seed-ro'], { readOnly: true });
    const graphBefore = await graphState(guest.qmp);
    const filesBefore = await listTree(box.root);

    const result = await snapshot(guest.qmp, [
      { target: 'vda', overlayPath: `${writable}/ov0.qcow2` },
      { target: 'vdb', overlayPath: `${readOnly}/ov1.qcow2` },
    ]);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe('live-external:reserve-files');
    expect((result.error as NodeJS.ErrnoException).code).toBe('EROFS');
    expect(result.rolledBack).toBe(true);
    expect(result.disks.map((d) => [d.target, d.outcome])).toEqual([
      ['vda', 'rolled-back'],
      ['vdb', 'untouched'],
    ]);
    expect(await graphState(guest.qmp)).toEqual(graphBefore);
    expect(await listTree(box.root)).toEqual(filesBefore);
  });

  it('succeeds on writable storage: both disks switch at once, overlays are 0600 qcow2 on the old images', async () => {
    await twoDiskGuest('ok');
    const dir = await box.mkdir('ok-ov');
    const result = await snapshot(guest.qmp, [
      { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
      { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
    ]);
    expect(result).toMatchObject({
      ok: true,
      disks: [
        { target: 'vda', outcome: 'done', previousNode: 'vda-fmt', newNode: 'vda-g1-fmt', overlayPath: `${dir}/ov0.qcow2` },
        { target: 'vdb', outcome: 'done', previousNode: 'vdb-fmt', newNode: 'vdb-g1-fmt', overlayPath: `${dir}/ov1.qcow2` },
      ],
    });
    const graph = await graphState(guest.qmp);
    expect(graph.active).toEqual({ vda: 'vda-g1-fmt', vdb: 'vdb-g1-fmt' });
    expect(graph.files).toEqual({ vda: `${dir}/ov0.qcow2`, vdb: `${dir}/ov1.qcow2` });
    for (const [overlay, base] of [
      [`${dir}/ov0.qcow2`, base0],
      [`${dir}/ov1.qcow2`, base1],
    ] as const) {
      expect((await fs.stat(overlay)).mode & 0o777).toBe(0o600);
      const chain = await imageBackingChain(overlay, { shareLocks: true });
      expect(chain.map((layer) => layer.filename)).toEqual([overlay, base]);
      expect(chain[0]?.['backing-filename-format']).toBe('qcow2');
    }

    const second = await snapshot(guest.qmp, [{ target: 'vda', overlayPath: `${dir}/ov0b.qcow2` }]);
    expect(second).toMatchObject({ ok: true, disks: [{ previousNode: 'vda-g1-fmt', newNode: 'vda-g2-fmt' }] });
    expect((await graphState(guest.qmp)).active).toEqual({ vda: 'vda-g2-fmt', vdb: 'vdb-g1-fmt' });
  });

  it('a node already named as the next layer (left by an earlier failure) is not touched: the overlay takes the next free names', async () => {
    await twoDiskGuest('taken');
    const dir = await box.mkdir('taken-ov');
    const stray = await box.image('taken/stray.qcow2');
    await guest.qmp.execute('blockdev-add', {
      driver: 'qcow2',
      'node-name': 'vda-g1-fmt',
      file: { driver: 'file', filename: stray, 'node-name': 'stray-file' },
    });
    const result = await snapshot(guest.qmp, [
      { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
      { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
    ]);
    expect(result).toMatchObject({ ok: true, disks: [{ newNode: 'vda-g2-fmt' }, { newNode: 'vdb-g1-fmt' }] });
    const graph = await graphState(guest.qmp);
    expect(graph.active).toEqual({ vda: 'vda-g2-fmt', vdb: 'vdb-g1-fmt' });
    expect(graph.nodes).toEqual(expect.arrayContaining(['vda-g1-fmt', 'stray-file', 'vda-g2-file', 'vdb-g1-file']));
  });

  it('validates against the disks the caller read earlier (liveDisks) instead of asking QEMU again', async () => {
    await twoDiskGuest('prefetch');
    const dir = await box.mkdir('prefetch-ov');
    const graphBefore = await graphState(guest.qmp);
    const refused = await snapshot(guest.qmp, [{ target: 'vda', overlayPath: `${dir}/ov0.qcow2` }], { liveDisks: Promise.resolve(new Map()) });
    expect(refused).toMatchObject({ ok: false, step: 'live-external:validate' });
    expect(refused.ok || refused.error.message).toBe('guest has no disk vda');
    expect(await graphState(guest.qmp)).toEqual(graphBefore);
    const taken = await snapshot(guest.qmp, [{ target: 'vda', overlayPath: `${dir}/ov0.qcow2` }], { liveDisks: readLiveDisks(guest.qmp) });
    expect(taken).toMatchObject({ ok: true, disks: [{ previousNode: 'vda-fmt', newNode: 'vda-g1-fmt' }] });
  });

  it("runs the caller's work while the overlays are added; its failure fails the step and rolls everything back", async () => {
    await twoDiskGuest('meanwhile');
    const dir = await box.mkdir('meanwhile-ov');
    const graphBefore = await graphState(guest.qmp);
    const filesBefore = await listTree(box.root);
    const requests = [
      { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
      { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
    ];
    const failed = await snapshot(guest.qmp, requests, {
      whileNodesAreAdded: () => {
        throw new Error('journal full');
      },
    });
    expect(failed).toMatchObject({ ok: false, step: 'live-external:add-format-nodes', rolledBack: true, rollbackProblems: [] });
    expect(failed.ok || failed.error.message).toBe('journal full');
    expect(await graphState(guest.qmp)).toEqual(graphBefore);
    expect(await listTree(box.root)).toEqual(filesBefore);
    let ranAt = '';
    const ok = await snapshot(guest.qmp, requests, {
      whileNodesAreAdded: () => void (ranAt = 'while adding'),
      failpoint: (step) => {
        if (step === 'live-external:before-transaction') expect(ranAt).toBe('while adding');
      },
    });
    expect(ok.ok).toBe(true);
  });

  it('guest data: old writes read through the overlay, new writes land in the overlay only', async () => {
    await twoDiskGuest('data');
    const dir = await box.mkdir('data-ov');
    await guestWrite(guest.qmp, 'vda', 0xaa);
    const result = await snapshot(guest.qmp, [
      { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
      { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
    ]);
    expect(result.ok).toBe(true);
    await guestWrite(guest.qmp, 'vdb', 0xbb);
    await guest.quit();
    expect(imageHasPattern(`${dir}/ov0.qcow2`, 0xaa)).toBe(true);
    expect(imageHasPattern(`${dir}/ov1.qcow2`, 0xbb)).toBe(true);
    expect(imageHasPattern(base1, 0xbb)).toBe(false);
    for (const file of [`${dir}/ov0.qcow2`, `${dir}/ov1.qcow2`, base0, base1]) await checkClean(file);
  });

  it('works on a running guest too', async () => {
    await twoDiskGuest('running', 'running');
    const dir = await box.mkdir('running-ov');
    const result = await snapshot(guest.qmp, [
      { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
      { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
    ]);
    expect(result.ok).toBe(true);
    expect((await guest.queryStatus()).status).toBe('running');
  });

  it.skipIf(!canMount)('out of space while formatting the second overlay → QEMU job error, full rollback', async () => {
    await twoDiskGuest('enospc');
    const dir = await box.mkdir('enospc-ov');
    const full = await box.mountTmpfs(['enospc-full'], { sizeBytes: MiB });
    await fillUp(full);
    const graphBefore = await graphState(guest.qmp);
    const filesBefore = await listTree(box.root);

    const result = await snapshot(guest.qmp, [
      { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
      { target: 'vdb', overlayPath: `${full}/ov1.qcow2` },
    ]);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe('live-external:format-overlays');
    expect(result.error.message).toMatch(/no space left on device/i);
    console.info(`[qemu-engine] ENOSPC error text (${overlayCreation}): ${result.error.message}`);
    expect(result.rolledBack).toBe(true);
    expect(result.disks.map((d) => d.outcome)).toEqual(['rolled-back', 'rolled-back']);
    expect(await graphState(guest.qmp)).toEqual(graphBefore);
    expect(await listTree(box.root)).toEqual(filesBefore);
  });

  it('an error thrown at every failpoint rolls everything back (same guest reused: nothing may change)', async () => {
    await twoDiskGuest('failpoints');
    const dir = await box.mkdir('fp-ov');
    const graphBefore = await graphState(guest.qmp);
    const filesBefore = await listTree(box.root);
    const seen: string[] = [];
    for (const failAt of liveExternalFailpoints(overlayCreation)) {
      const result = await snapshot(
        guest.qmp,
        [
          { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
          { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
        ],
        {
          failpoint: (step) => {
            seen.push(step);
            if (step === failAt) throw new Error(`injected at ${step}`);
          },
        },
      );
      expect(result).toMatchObject({ ok: false, step: failAt, rolledBack: true, rollbackProblems: [] });
      expect(await graphState(guest.qmp)).toEqual(graphBefore);
      expect(await listTree(box.root)).toEqual(filesBefore);
    }
    expect(new Set(seen)).toEqual(new Set(liveExternalFailpoints(overlayCreation)));
  });

  it('a transaction refused by QEMU (overlay node vanished) changes no disk; QEMU error text is reported', async () => {
    await twoDiskGuest('txfail');
    const dir = await box.mkdir('tx-ov');
    const graphBefore = await graphState(guest.qmp);
    const result = await snapshot(
      guest.qmp,
      [
        { target: 'vda', overlayPath: `${dir}/ov0.qcow2` },
        { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
      ],
      {
        failpoint: async (step) => {
          if (step === 'live-external:before-transaction') await guest.qmp.execute('blockdev-del', { 'node-name': 'vdb-g1-fmt' });
        },
      },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe('live-external:transaction');
    expect(result.error).toBeInstanceOf(QmpError);
    expect((result.error as QmpError).desc).toBe("Cannot find device='vdb-g1-fmt' nor node-name='vdb-g1-fmt'");
    expect(result.rolledBack).toBe(true);
    expect(await graphState(guest.qmp)).toEqual(graphBefore);
    expect(await listTree(dir)).toEqual([]);
  });

  it('REUSE_EXT: an existing overlay is validated and added, and never unlinked on rollback', async () => {
    await twoDiskGuest('reuse');
    const dir = await box.mkdir('reuse-ov');
    const reused = `${dir}/pre.qcow2`;
    await createImage(reused, { format: 'qcow2', backingFile: base0, backingFormat: 'qcow2' });

    const failed = await snapshot(
      guest.qmp,
      [
        { target: 'vda', overlayPath: reused, reuseExisting: true },
        { target: 'vdb', overlayPath: `${dir}/ov1.qcow2` },
      ],
      {
        failpoint: (step) => {
          if (step === 'live-external:before-transaction') throw new Error('injected');
        },
      },
    );
    expect(failed).toMatchObject({ ok: false, rolledBack: true });
    expect(await listTree(dir)).toEqual(['pre.qcow2']);

    const wrongBase = await snapshot(guest.qmp, [{ target: 'vdb', overlayPath: reused, reuseExisting: true }]);
    expect(wrongBase).toMatchObject({ ok: false, step: 'live-external:validate', error: { code: 'overlay-mismatch' } });

    const ok = await snapshot(guest.qmp, [{ target: 'vda', overlayPath: reused, reuseExisting: true }]);
    expect(ok).toMatchObject({ ok: true, disks: [{ target: 'vda', newNode: 'vda-g1-fmt' }] });
    expect(ok.disks[0]?.createdFile).toBeUndefined();
    expect((await graphState(guest.qmp)).files.vda).toBe(reused);
  });

  it('rejects before changing anything: existing overlay file, read-only disk, unknown disk, duplicate path', async () => {
    base0 = await box.image('pre/base0.qcow2');
    const ro = await box.image('pre/ro.qcow2');
    guest = await box.launch('pre', [
      { target: 'vda', path: base0, format: 'qcow2' },
      { target: 'vdb', path: ro, format: 'qcow2', readOnly: true },
    ]);
    const dir = await box.mkdir('pre-ov');
    await fs.writeFile(`${dir}/exists.qcow2`, 'not mine');
    const cases: Array<[Parameters<typeof createLiveExternalSnapshot>[1], string]> = [
      [[{ target: 'vda', overlayPath: `${dir}/exists.qcow2` }], 'overlay-exists'],
      [[{ target: 'vdb', overlayPath: `${dir}/x.qcow2` }], 'read-only-disk'],
      [[{ target: 'vdz', overlayPath: `${dir}/x.qcow2` }], 'no-such-disk'],
      [
        [
          { target: 'vda', overlayPath: `${dir}/x.qcow2` },
          { target: 'vdb', overlayPath: `${dir}/x.qcow2` },
        ],
        'duplicate-overlay',
      ],
      [[{ target: 'vda', overlayPath: base0 }], 'overlay-in-use'],
      [[{ target: 'vda', overlayPath: 'relative.qcow2' }], 'invalid-path'],
    ];
    const before = await graphState(guest.qmp);
    for (const [requests, code] of cases) {
      const result = await snapshot(guest.qmp, requests);
      expect(result).toMatchObject({ ok: false, step: 'live-external:validate', error: { code }, rolledBack: true });
    }
    expect(await graphState(guest.qmp)).toEqual(before);
    expect(await fs.readFile(`${dir}/exists.qcow2`, 'utf8')).toBe('not mine');
    expect(await listTree(dir)).toEqual(['exists.qcow2']);
  });
});
