// Data written in the test guest survives a clean shutdown (by the agent, then by the ACPI power button) and is read back on the next boot.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataDiskNeedsRecovery, readDataDiskFile } from './data-disk.js';
import { guestSkipReason } from './guest-image.js';
import { useGuestLab } from './guest-lab.js';

describe.skipIf(guestSkipReason)('test guest: a marker survives clean shutdowns', () => {
  const lab = useGuestLab();
  let disk: string;
  const markerA = `A-${randomBytes(8).toString('hex')}`;
  const markerB = `B-${randomBytes(8).toString('hex')}`;
  beforeAll(async () => {
    disk = await lab.dataDisk('data.qcow2');
  });

  it('writes marker A, shuts down through guest-shutdown: QEMU exits 0 and the filesystem was unmounted cleanly', async () => {
    const guest = await lab.boot({ disks: [disk] });
    expect(guest.banner.disks).toEqual(['vda']);
    await guest.console.sh(`echo ${markerA} > /mnt/vda/marker && sync`);
    await guest.agent!.shutdown();
    expect(await guest.waitForExit()).toEqual({ code: 0, signal: null });
    expect(guest.console.log).toContain('virtwire-guest: shutdown (poweroff)');
    expect(await dataDiskNeedsRecovery(disk)).toBe(false);
    expect(await readDataDiskFile(disk, '/marker')).toBe(`${markerA}\n`);
  }, 300_000);

  it('boots again from the same disk, reads marker A back, adds B, and powers off through the ACPI power button', async () => {
    const guest = await lab.boot({ disks: [disk] });
    expect(await guest.console.sh('cat /mnt/vda/marker')).toBe(`${markerA}\n`);
    await guest.console.sh(`echo ${markerB} >> /mnt/vda/marker`); // no sync: the shutdown must flush it
    expect(await guest.powerdown()).toEqual({ code: 0, signal: null });
    expect(await dataDiskNeedsRecovery(disk)).toBe(false);
    expect(await readDataDiskFile(disk, '/marker')).toBe(`${markerA}\n${markerB}\n`);
  }, 300_000);
});
