// Thin wrappers around the qemu-img binary (spawned with an argv array, never through a shell).
import { spawn } from 'node:child_process';
import { PreconditionError, QemuImgError } from './errors.js';
import type { ImageSnapshotInfo } from './qmp-types.js';
import { assertSafeImagePath, openReservedFile, reserveFile, unlinkReservedFile, verifyReservedFile } from './reserved-file.js';
import type { ReservedFile } from './reserved-file.js';

/** Image formats the engine drives. */
export type ImageFormat = 'qcow2' | 'raw';

/** Where qemu-img lives and how long it may run. */
export interface QemuImgSettings {
  /** Default "qemu-img" (looked up in PATH). */
  binary?: string;
  /** Kill qemu-img after this long. Default 120 s. */
  timeoutMs?: number;
}

/** `qemu-img info --output=json` for one image (QEMU's field names). */
export interface ImageInfo {
  filename: string;
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'cluster-size'?: number;
  'dirty-flag'?: boolean;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  snapshots?: ImageSnapshotInfo[];
}

/** `qemu-img check --output=json`. */
export interface ImageCheckResult {
  filename: string;
  format: string;
  'check-errors': number;
  corruptions?: number;
  leaks?: number;
  'image-end-offset'?: number;
}

/** What `qemu-img create` should write. */
export interface CreateImageOptions {
  format: ImageFormat;
  /** Virtual size in bytes. Required without a backing file (and with `unsafe`). */
  sizeBytes?: number;
  /** Absolute backing file path, stored verbatim in the overlay. */
  backingFile?: string;
  /** Format of the backing file; always passed as -F. */
  backingFormat?: ImageFormat;
  /** -u: do not open the backing file (needs sizeBytes). */
  unsafe?: boolean;
  /** Extra -o options; commas inside values are escaped. */
  options?: Record<string, string | number | boolean>;
}

/** Options for reading image metadata. */
export interface InfoOptions {
  /** -U: do not take the shared lock; required while a running QEMU holds the image. */
  shareLocks?: boolean;
  /** -f: skip format probing (recommended when the format is known). */
  format?: ImageFormat;
}

const MAX_STDOUT_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;

/**
 * Fills a file we reserved (reserveFile) with a new image. qemu-img writes through /dev/fd/3, a
 * descriptor we opened and whose inode we checked, so a path swapped in the meantime is never
 * written. The file keeps mode 0600 (qemu-img reuses the existing inode).
 *
 * Why not `qemu-img create <path>` on the reserved file: it works (the inode and mode are kept),
 * but qemu-img follows symlinks, and when creation fails it unlinks the path itself, deleting a
 * file that the caller's journal still lists. Through /dev/fd/3 that unlink fails harmlessly
 * ("Error when deleting file /dev/fd/3: Operation not permitted", skipped in error messages) and
 * the caller's rollback stays the only owner of the file.
 */
export async function createImageInReservedFile(file: ReservedFile, options: CreateImageOptions, settings: QemuImgSettings = {}): Promise<void> {
  const args = ['create', '-q', ...createFlags(options), '/dev/fd/3'];
  if (options.sizeBytes !== undefined) args.push(String(options.sizeBytes));
  const handle = await openReservedFile(file);
  try {
    await runQemuImg(args, settings, handle.fd);
  } finally {
    await handle.close();
  }
  await verifyReservedFile(file);
}

/** Reserves `filePath` (must not exist) and creates an image in it; unlinks it again if creation fails. */
export async function createImage(filePath: string, options: CreateImageOptions, settings: QemuImgSettings = {}): Promise<ReservedFile> {
  const file = await reserveFile(filePath);
  try {
    await createImageInReservedFile(file, options, settings);
    return file;
  } catch (error) {
    await unlinkReservedFile(file).catch(() => undefined);
    throw error;
  }
}

/** `qemu-img info --output=json` for one image (its backing chain is not opened). */
export async function imageInfo(filePath: string, options: InfoOptions = {}, settings: QemuImgSettings = {}): Promise<ImageInfo> {
  assertSafeImagePath(filePath);
  const stdout = await runQemuImg(['info', '--output=json', ...infoFlags(options), filePath], settings);
  return JSON.parse(stdout) as ImageInfo;
}

/** `qemu-img info --output=json --backing-chain`: the image first, then each backing file down to the base. */
export async function imageBackingChain(filePath: string, options: InfoOptions = {}, settings: QemuImgSettings = {}): Promise<ImageInfo[]> {
  assertSafeImagePath(filePath);
  const stdout = await runQemuImg(['info', '--output=json', '--backing-chain', ...infoFlags(options), filePath], settings);
  return JSON.parse(stdout) as ImageInfo[];
}

/**
 * Lists internal snapshots. Uses `info --output=json` rather than `snapshot -l`, whose output is
 * a text table meant for humans.
 */
export async function listSnapshots(filePath: string, options: InfoOptions = {}, settings: QemuImgSettings = {}): Promise<ImageSnapshotInfo[]> {
  return (await imageInfo(filePath, options, settings)).snapshots ?? [];
}

/** `qemu-img snapshot -c TAG`. qemu-img allows duplicate tags: check absence first. */
export async function createSnapshot(filePath: string, tag: string, settings: QemuImgSettings = {}): Promise<void> {
  await runSnapshotCommand('-c', filePath, tag, settings);
}

/** `qemu-img snapshot -d TAG` (deletes one snapshot with that tag). */
export async function deleteSnapshot(filePath: string, tag: string, settings: QemuImgSettings = {}): Promise<void> {
  await runSnapshotCommand('-d', filePath, tag, settings);
}

/** `qemu-img snapshot -a TAG`: reverts the image's content to the snapshot (destructive). */
export async function applySnapshot(filePath: string, tag: string, settings: QemuImgSettings = {}): Promise<void> {
  await runSnapshotCommand('-a', filePath, tag, settings);
}

/** `qemu-img commit`: merges `filePath` into its backing file (or into `base`, an image further down its chain). */
export async function commitImage(
  filePath: string,
  options: { base?: string; format?: ImageFormat; keepTopContents?: boolean; onProgress?: (fraction: number) => void } = {},
  settings: QemuImgSettings = {},
): Promise<void> {
  assertSafeImagePath(filePath);
  const { onProgress } = options;
  const args = ['commit', onProgress ? '-p' : '-q'];
  if (options.format) args.push('-f', options.format);
  if (options.base !== undefined) {
    assertSafeImagePath(options.base);
    args.push('-b', options.base);
  }
  if (options.keepTopContents) args.push('-d');
  const progress = onProgress ? progressReader(onProgress) : undefined;
  await runQemuImg([...args, filePath], settings, undefined, [0], progress);
}

/**
 * Reads qemu-img's `-p` output, `    (12.50/100%)` lines ended by `\r` or `\n`, and tells each new
 * fraction done (0..1). Text that is not a progress line is ignored.
 */
export function progressReader(onProgress: (fraction: number) => void): (chunk: string) => void {
  let pending = '';
  return (chunk) => {
    const lines = (pending + chunk).split(/[\r\n]/);
    pending = lines.pop()!.slice(-64);
    for (const line of lines) {
      const match = /^\s*\((\d{1,3}(?:\.\d+)?)\/100%\)\s*$/.exec(line);
      const percent = match ? Number(match[1]) : NaN;
      if (percent >= 0 && percent <= 100) onProgress(percent / 100);
    }
  };
}

/** `qemu-img check --output=json`. Corruptions and leaks are reported in the result, not thrown. */
export async function checkImage(filePath: string, options: InfoOptions = {}, settings: QemuImgSettings = {}): Promise<ImageCheckResult> {
  assertSafeImagePath(filePath);
  const stdout = await runQemuImg(['check', '--output=json', ...infoFlags(options), filePath], settings, undefined, [0, 2, 3]);
  return JSON.parse(stdout) as ImageCheckResult;
}

/**
 * `qemu-img check -r all`: repairs refcount errors and leaked clusters, as a QEMU killed in the
 * middle of an allocation or an internal snapshot leaves them (`qemu-img check` reports a refcount
 * above the references as an error plus leaks). Needs the image's write lock (no QEMU may use it).
 * Returns the check of the repaired image.
 */
export async function repairImage(filePath: string, settings: QemuImgSettings = {}): Promise<ImageCheckResult> {
  assertSafeImagePath(filePath);
  await runQemuImg(['check', '-q', '-r', 'all', '-f', 'qcow2', filePath], settings, undefined, [0, 2, 3]);
  return checkImage(filePath, { format: 'qcow2' }, settings);
}

/** True when `qemu-img check` found nothing wrong (no corruption, no leak, no error). */
export function isCleanCheck(result: ImageCheckResult): boolean {
  return result['check-errors'] === 0 && (result.corruptions ?? 0) === 0 && (result.leaks ?? 0) === 0;
}

/**
 * Rejects tags qemu-img and QEMU would misread: empty, over 128 characters, control characters,
 * or all digits (a numeric tag is also matched against snapshot *ids*, so `-d 1` could delete id 1).
 */
export function assertSnapshotTag(tag: string): void {
  if (tag.length === 0 || tag.length > 128 || /[\u0000-\u001f\u007f]/.test(tag) || /^\d+$/.test(tag)) {
    throw new PreconditionError('invalid-snapshot-tag', `invalid snapshot tag ${JSON.stringify(tag)}`);
  }
}

async function runSnapshotCommand(flag: '-c' | '-d' | '-a', filePath: string, tag: string, settings: QemuImgSettings): Promise<void> {
  assertSafeImagePath(filePath);
  assertSnapshotTag(tag);
  await runQemuImg(['snapshot', '-q', flag, tag, filePath], settings);
}

function createFlags(options: CreateImageOptions): string[] {
  const flags = ['-f', options.format];
  if (options.backingFile !== undefined) {
    assertSafeImagePath(options.backingFile);
    if (!options.backingFormat) throw new PreconditionError('missing-backing-format', 'a backing file needs an explicit backing format (-F)');
    flags.push('-b', options.backingFile, '-F', options.backingFormat);
  } else if (options.sizeBytes === undefined) {
    throw new PreconditionError('missing-size', 'an image without a backing file needs a size');
  }
  if (options.unsafe) {
    if (options.sizeBytes === undefined) throw new PreconditionError('missing-size', 'qemu-img create -u needs a size');
    flags.push('-u');
  }
  const extra = Object.entries(options.options ?? {});
  if (extra.length > 0) flags.push('-o', extra.map(([key, value]) => formatOption(key, value)).join(','));
  return flags;
}

/** One `key=value` of a qemu-img -o list; commas in the value are doubled, as QemuOpts requires. */
export function formatOption(key: string, value: string | number | boolean): string {
  if (!/^[a-z][a-z0-9_.-]*$/.test(key)) throw new PreconditionError('invalid-option', `invalid qemu-img option name ${JSON.stringify(key)}`);
  const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
  return `${key}=${text.replaceAll(',', ',,')}`;
}

function infoFlags(options: InfoOptions): string[] {
  const flags: string[] = [];
  if (options.shareLocks) flags.push('-U');
  if (options.format) flags.push('-f', options.format);
  return flags;
}

/**
 * Runs qemu-img with `args` (no shell), optionally passing `fd` as its descriptor 3. Resolves with
 * stdout when the exit code is in `okExitCodes`; otherwise rejects with QemuImgError.
 */
function runQemuImg(
  args: string[],
  settings: QemuImgSettings,
  fd?: number,
  okExitCodes: readonly number[] = [0],
  onStdout?: (chunk: string) => void,
): Promise<string> {
  const binary = settings.binary ?? 'qemu-img';
  const stdio: Array<'ignore' | 'pipe' | number> = fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', fd];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio, env: { ...process.env, LC_ALL: 'C' } });
    const stdout = new CappedText(MAX_STDOUT_BYTES);
    const stderr = new CappedText(MAX_STDERR_BYTES);
    child.stdout?.on('data', (chunk: Buffer) => (onStdout ? onStdout(chunk.toString('latin1')) : stdout.add(chunk)));
    child.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), settings.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new QemuImgError(args, null, '', `cannot run ${binary}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== null && okExitCodes.includes(code) && !stdout.truncated) return resolve(stdout.text());
      const why = stdout.truncated ? 'output too large' : signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(new QemuImgError(args, code, stderr.text(), `qemu-img ${args[0] ?? ''} failed: ${why}`));
    });
  });
}

/** Accumulates a child's output up to a byte cap. */
class CappedText {
  private chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  add(chunk: Buffer): void {
    if (this.bytes + chunk.length > this.cap) {
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
