// Opt-in measurement (VIRTWIRE_GUEST_TIMING=<runs>): image build, BIOS and UEFI boot to the banner, ACPI shutdown; prints ranges, asserts no times.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guestImage, guestSkipReason, uefiSkipReason } from './guest-image.js';
import { bootGuest, chooseAccel } from './guest-machine.js';

const runs = Number(process.env.VIRTWIRE_GUEST_TIMING ?? 0);

function summary(label: string, values: number[], unit: string): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const format = (v: number) => (unit === 's' ? v.toFixed(2) : String(Math.round(v)));
  return `| ${label} | ${format(median)} (${format(sorted[0]!)}–${format(sorted.at(-1)!)}) ${unit} |`;
}

describe.skipIf(!runs || guestSkipReason)(`test guest timings (${runs} runs)`, () => {
  it('measures', async () => {
    const rows = ['| figure | median (min–max) |', '| --- | --- |'];
    const script = fileURLToPath(new URL('./build-guest.sh', import.meta.url));
    const cache = mkdtempSync(join(tmpdir(), 'vwguest-cache-'));
    const build = (force: boolean) => {
      const started = performance.now();
      const result = spawnSync('bash', [script, '--cache-dir', cache, ...(force ? ['--force'] : [])], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      return performance.now() - started;
    };
    try {
      rows.push(
        summary(
          'image build, cold (--force)',
          Array.from({ length: runs }, () => build(true)),
          'ms',
        ),
      );
      rows.push(
        summary(
          'image build, cached',
          Array.from({ length: runs }, () => build(false)),
          'ms',
        ),
      );
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
    const accel = chooseAccel();
    for (const uefi of uefiSkipReason ? [false] : [false, true]) {
      const boot: number[] = [],
        uptime: number[] = [],
        shutdown: number[] = [];
      for (let i = 0; i < runs; i++) {
        const guest = await bootGuest({ image: guestImage(), accel, uefi, disks: [] });
        try {
          boot.push(guest.bootMs);
          uptime.push(guest.banner.uptime);
          const started = performance.now();
          await guest.powerdown();
          shutdown.push(performance.now() - started);
        } finally {
          await guest.dispose();
        }
      }
      const firmware = uefi ? 'UEFI (OVMF, bzImage)' : 'BIOS (SeaBIOS, PVH vmlinux)';
      rows.push(summary(`${firmware}, ${accel}: QEMU spawn to banner`, boot, 'ms'));
      rows.push(summary(`${firmware}, ${accel}: guest uptime at banner`, uptime, 's'));
      rows.push(summary(`${firmware}, ${accel}: system_powerdown to QEMU exit`, shutdown, 'ms'));
    }
    console.info(`${rows.join('\n')}\n(${runs} runs; 1-minute load average ${loadavg()[0]!.toFixed(2)} at the end)`);
  }, 3_600_000);
});
