// ext4 data disks of the test guest as qcow2 files, made and inspected on the host without root (mke2fs, qemu-img, e2fsprogs).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What goes into a new data disk. */
export interface DataDiskOptions {
  /** Size of the disk. Default 64 MiB. */
  sizeMiB?: number;
  /** The ext4 volume label. Default `data`. */
  label?: string;
  /** Files to put in the filesystem, by path relative to its root (directories are made). */
  files?: Record<string, string | Uint8Array>;
}

/**
 * Makes a qcow2 image holding a fresh ext4 filesystem: mke2fs on a sparse raw file (populated from
 * `files` with `-d`), then `qemu-img convert -O qcow2`. Inode tables and journal are initialised up
 * front, so the guest does no lazy-init writes in the background. ext4, not ext2: it has a journal
 * and supports FIFREEZE, which the guest agent's fsfreeze needs.
 */
export async function createDataDisk(path: string, options: DataDiskOptions = {}): Promise<string> {
  const work = mkdtempSync(join(dirname(path), '.data-disk-'));
  try {
    const raw = join(work, 'disk.raw');
    const args = ['-q', '-F', '-t', 'ext4', '-L', options.label ?? 'data', '-E', 'lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0'];
    if (options.files) {
      const tree = join(work, 'tree');
      for (const [name, content] of Object.entries(options.files)) {
        const file = join(tree, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      args.push('-d', tree);
    }
    await run('mke2fs', [...args, raw, `${options.sizeMiB ?? 64}M`]);
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, path]);
    return path;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Reads one file of an ext4 data disk from the host, as the guest would find it on its next boot:
 * e2fsck replays the journal on a scratch raw copy of the image (see withRawCopy), then debugfs
 * reads the file. Returns undefined when the file does not exist.
 */
export async function readDataDiskFile(image: string, file: string, format: 'qcow2' | 'raw' = 'qcow2'): Promise<string | undefined> {
  if (!/^\/[\w./-]+$/.test(file)) throw new Error(`readDataDiskFile: ${file} is not a plain absolute path (debugfs would split it)`);
  return withRawCopy(image, format, async (raw) => {
    await run('e2fsck', ['-f', '-y', raw]).catch((error: { code?: number; stdout?: string }) => {
      // Exit status 1 and 2 mean "errors corrected"; 4 and above mean the filesystem is still damaged.
      if (typeof error.code !== 'number' || error.code >= 4) throw new Error(`e2fsck of ${image} failed: ${error.stdout ?? String(error)}`);
    });
    const { stdout, stderr } = await run('debugfs', ['-R', `cat ${file}`, raw], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return /File not found by ext2_lookup/.test(stderr) ? undefined : stdout;
  });
}

/**
 * True while the image's ext4 has the `needs_recovery` flag: it is mounted read-write and not frozen,
 * or its guest died without unmounting it. False after a clean unmount, and while it is frozen
 * (FIFREEZE checkpoints the journal and clears the flag): what a quiesced snapshot must capture.
 */
export async function dataDiskNeedsRecovery(image: string, format: 'qcow2' | 'raw' = 'qcow2'): Promise<boolean> {
  return withRawCopy(image, format, async (raw) => {
    const { stdout } = await run('dumpe2fs', ['-h', raw], { encoding: 'utf8' });
    const features = /^Filesystem features:(.*)$/m.exec(stdout)?.[1];
    if (features === undefined) throw new Error(`dumpe2fs ${image}: no feature line`);
    return features.split(/\s+/).includes('needs_recovery');
  });
}

/**
 * Runs `fn` on a scratch raw copy of the image, flattened with its backing chain by
 * `qemu-img convert -U` (sharing locks, so it works while a guest holds the image; what it sees is
 * what QEMU has written, as a crash would leave it), and removes the copy afterwards.
 */
export async function withRawCopy<T>(image: string, format: 'qcow2' | 'raw', fn: (raw: string) => Promise<T>): Promise<T> {
  const work = mkdtempSync(join(dirname(image), '.data-disk-'));
  try {
    const raw = join(work, 'copy.raw');
    await run('qemu-img', ['convert', '-U', '-f', format, '-O', 'raw', image, raw]);
    return await fn(raw);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
