// qemu-img wrappers and the in-process qcow2 overlay writer, checked against real qemu-img output.
import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QemuImgError,
  assertSnapshotTag,
  createImage,
  createSnapshot,
  formatOption,
  imageBackingChain,
  imageInfo,
  listSnapshots,
  reserveFile,
  unlinkReservedFile,
  writeQcow2Overlay,
} from '../../src/drivers/qemu/engine/index.js';
import { Sandbox, checkClean, hasQemu } from './helpers.js';

describe('qemu-img argument helpers', () => {
  it('escapes commas in -o values and rejects odd option names', () => {
    expect(formatOption('backing_file', '/a,b/c')).toBe('backing_file=/a,,b/c');
    expect(formatOption('lazy_refcounts', true)).toBe('lazy_refcounts=on');
    expect(() => formatOption('x,y', 1)).toThrow(/invalid qemu-img option/);
  });

  it('rejects snapshot tags qemu-img would misread (numeric = snapshot id)', () => {
    expect(() => assertSnapshotTag('12')).toThrow();
    expect(() => assertSnapshotTag('')).toThrow();
    expect(() => assertSnapshotTag('a\nb')).toThrow();
    expect(() => assertSnapshotTag('snap-1')).not.toThrow();
  });
});

describe.skipIf(!hasQemu)('qemu-img wrappers', () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await Sandbox.create();
  });
  afterAll(async () => {
    await box?.cleanup();
  });

  it('creates 0600 images whatever the umask, never over an existing file or through a symlink', async () => {
    for (const umask of [0o022, 0o277]) {
      const previous = process.umask(umask);
      try {
        const file = await createImage(box.path(`u${umask.toString(8)}.qcow2`), { format: 'qcow2', sizeBytes: 1 << 20 });
        expect((await fs.stat(file.path)).mode & 0o777).toBe(0o600);
      } finally {
        process.umask(previous);
      }
    }
    await fs.writeFile(box.path('victim'), 'keep');
    await fs.symlink(box.path('victim'), box.path('link.qcow2'));
    await expect(createImage(box.path('link.qcow2'), { format: 'qcow2', sizeBytes: 1 << 20 })).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(createImage(box.path('u22.qcow2'), { format: 'qcow2', sizeBytes: 1 << 20 })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await fs.readFile(box.path('victim'), 'utf8')).toBe('keep');
  });

  it('requires -F with a backing file and records both; commas in paths are fine', async () => {
    const base = (await createImage(box.path('b,ase.qcow2'), { format: 'qcow2', sizeBytes: 1 << 20 })).path;
    await expect(createImage(box.path('nofmt.qcow2'), { format: 'qcow2', backingFile: base })).rejects.toThrow(/backing format/);
    const top = (await createImage(box.path('top.qcow2'), { format: 'qcow2', backingFile: base, backingFormat: 'qcow2' })).path;
    const chain = await imageBackingChain(top);
    expect(chain.map((i) => i.filename)).toEqual([top, base]);
    expect(chain[0]).toMatchObject({ 'backing-filename': base, 'backing-filename-format': 'qcow2', 'virtual-size': 1 << 20 });
  });

  it('leaves a half-created reserved file for the caller (qemu-img cannot unlink /dev/fd/3) and reports the real cause', async () => {
    const error = await createImage(box.path('bad.qcow2'), { format: 'qcow2', backingFile: box.path('missing.qcow2'), backingFormat: 'qcow2' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QemuImgError);
    expect((error as QemuImgError).message).toMatch(/missing\.qcow2.*No such file or directory/);
    await expect(fs.stat(box.path('bad.qcow2'))).rejects.toMatchObject({ code: 'ENOENT' }); // createImage unlinked its reservation
  });

  it('unlinkReservedFile removes only the inode it reserved', async () => {
    const file = await reserveFile(box.path('r.qcow2'));
    await fs.rename(file.path, box.path('r-moved.qcow2')); // keeps our inode alive, so the new file gets another one
    await fs.writeFile(file.path, 'someone else');
    expect(await unlinkReservedFile(file)).toBe('replaced-kept');
    expect(await fs.readFile(file.path, 'utf8')).toBe('someone else');
  });

  it('snapshot/list/info work, and the duplicate-tag pitfall is real', async () => {
    const img = (await createImage(box.path('s.qcow2'), { format: 'qcow2', sizeBytes: 1 << 20 })).path;
    await createSnapshot(img, 'dup');
    await createSnapshot(img, 'dup');
    expect((await listSnapshots(img)).map((s) => s.name)).toEqual(['dup', 'dup']);
    expect((await imageInfo(img, { format: 'qcow2' })).format).toBe('qcow2');
  });

  it.each([
    ['64 MiB', 64 * 1024 * 1024],
    ['1 GiB', 1024 * 1024 * 1024],
    ['odd size 5 GiB + 512 B', 5 * 1024 * 1024 * 1024 + 512],
    ['5 TiB (two L1 clusters)', 5 * 1024 ** 4],
  ])('the engine qcow2 writer matches qemu-img create -u for %s', async (_label, size) => {
    const base = `${box.path('wbase.qcow2')}`;
    await fs.rm(base, { force: true });
    await createImage(base, { format: 'qcow2', sizeBytes: 1 << 20 });
    const reference = box.path(`ref-${size}.qcow2`);
    await createImage(reference, { format: 'qcow2', sizeBytes: size, backingFile: base, backingFormat: 'qcow2', unsafe: true });
    const ours = await reserveFile(box.path(`ours-${size}.qcow2`));
    const handle = await fs.open(ours.path, 'r+');
    await writeQcow2Overlay(handle, { virtualSize: size, backingFile: base, backingFormat: 'qcow2' });
    await handle.close();

    const strip = (info: Record<string, unknown>) => ({ ...info, filename: undefined, 'actual-size': undefined });
    expect(strip({ ...(await imageInfo(ours.path)) })).toEqual(strip({ ...(await imageInfo(reference)) }));
    await checkClean(ours.path);
    const [refBytes, ourBytes] = await Promise.all([fs.readFile(reference), fs.readFile(ours.path)]);
    expect(ourBytes.length).toBe(refBytes.length);
    expect(ourBytes.subarray(65536).equals(refBytes.subarray(65536))).toBe(true); // refcounts and L1 identical
    expect(ourBytes.subarray(0, 104).equals(refBytes.subarray(0, 104))).toBe(false); // only the backing offset differs (no feature table)
    expect(ourBytes.subarray(0, 8).equals(refBytes.subarray(0, 8))).toBe(true);
    expect(ourBytes.subarray(16, 104).equals(refBytes.subarray(16, 104))).toBe(true);
  });
});
