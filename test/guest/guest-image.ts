// The test guest's kernel and initramfs (built by build-guest.sh), and why guest tests are skipped on a machine that cannot run them.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built guest: what build-guest.sh writes to manifest.json. */
export interface GuestImage {
  /** The cache directory holding the files below. */
  dir: string;
  /** Hash of every input of the build: the directory's name. */
  key: string;
  /** `uname -r` of the guest, e.g. 6.1.0-57-amd64. */
  kernelVersion: string;
  /** The distribution's bzImage (EFI stub): boots everywhere, including under OVMF. */
  kernel: string;
  /** The same kernel uncompressed (ELF, PVH entry) or null: BIOS boot without the decompressor, seconds faster under TCG. */
  vmlinux: string | null;
  /** The initramfs (uncompressed newc cpio): busybox, qemu-ga, the virtio and ext4 modules, /init. */
  initrd: string;
  /** Debian package versions the guest was built from. */
  packages: Record<string, string>;
  /** The kernel modules /init loads, in load order. */
  modules: string[];
}

/** The line /init prints on every console once the guest is ready, followed by `key=value` fields. */
export const GUEST_BANNER_PREFIX = 'virtwire-guest ready:';

/** Debian's OVMF build without Secure Boot and without SMM: the read-only code and the NVRAM template. */
export const OVMF = { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', varsTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd' } as const;

const buildScript = fileURLToPath(new URL('./build-guest.sh', import.meta.url));

function runs(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Host tools the helpers run (besides what build-guest.sh checks), by the Debian package that has them. */
function missingHostPackages(): string[] {
  const missing: string[] = [];
  if (!runs('qemu-system-x86_64', ['--version'])) missing.push('qemu-system-x86');
  if (!runs('qemu-img', ['--version'])) missing.push('qemu-utils');
  if (!runs('mke2fs', ['-V']) || !runs('debugfs', ['-V']) || !runs('e2fsck', ['-V'])) missing.push('e2fsprogs');
  return missing;
}

function build(): { image?: GuestImage; skip?: string } {
  const missing = missingHostPackages();
  if (missing.length > 0) return { skip: `missing Debian packages: ${missing.join(' ')} (apt-get install ${missing.join(' ')})` };
  const result = spawnSync('bash', [buildScript], { encoding: 'utf8', timeout: 300_000 });
  if (result.status === 3) return { skip: result.stderr.trim().replace(/^build-guest: /gm, '') };
  if (result.status !== 0) throw new Error(`build-guest.sh failed (status ${result.status}): ${result.stderr || result.error?.message}`);
  const dir = result.stdout.trim();
  const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as Omit<GuestImage, 'dir'>;
  return { image: { dir, ...manifest } };
}

const built = build();

/** Why the guest tests cannot run here (a missing package, named with its apt-get line), or undefined. */
export const guestSkipReason: string | undefined = built.skip;
if (guestSkipReason) console.warn(`[guest tests] SKIPPED: ${guestSkipReason}`);

/** Why UEFI guests cannot run here (the `ovmf` package is missing), or undefined. */
export const uefiSkipReason: string | undefined =
  guestSkipReason ?? (readable(OVMF.code) && readable(OVMF.varsTemplate) ? undefined : 'missing Debian package: ovmf (apt-get install ovmf)');
if (uefiSkipReason && !guestSkipReason) console.warn(`[guest tests] UEFI cases SKIPPED: ${uefiSkipReason}`);

/**
 * The guest image, built on first use in this process (seconds; then cached on disk by a hash of
 * its inputs). Throws with the skip reason where it cannot be built: check `guestSkipReason` first.
 */
export function guestImage(): GuestImage {
  if (!built.image) throw new Error(`the test guest cannot be built here: ${guestSkipReason}`);
  return built.image;
}
