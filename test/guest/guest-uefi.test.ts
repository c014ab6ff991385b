// The test guest under UEFI (Debian's OVMF, pflash code + a per-guest NVRAM copy), with a virtio console (hvc0) beside the serial one.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OVMF, uefiSkipReason } from './guest-image.js';
import { useGuestLab } from './guest-lab.js';
import type { Guest } from './guest-machine.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
/** A vendor GUID of our own for the test variable. */
const VENDOR = '5b2c3f1e-7d4a-4c8e-9a61-0f2d6e8b7c35';

describe.skipIf(uefiSkipReason)('test guest: UEFI boot', () => {
  const lab = useGuestLab();
  let guest: Guest, templateHash: string;
  beforeAll(async () => {
    templateHash = sha256(OVMF.varsTemplate);
    guest = await lab.boot({ uefi: true, virtioConsole: true, disks: [await lab.dataDisk('data.qcow2')] });
    console.info(`[guest tests] UEFI boot under ${guest.accel}: ${guest.bootMs} ms to the banner (guest uptime ${guest.banner.uptime} s)`);
  }, 300_000);

  it('boots the distribution kernel through OVMF: the guest sees 64-bit UEFI, with disks, network and agent as under BIOS', async () => {
    expect(guest.banner).toMatchObject({ firmware: 'efi', kernel: lab.image.kernelVersion, ip: '10.0.2.15', disks: ['vda'], agent: true });
    expect(await guest.console.sh('cat /sys/firmware/efi/fw_platform_size')).toBe('64\n');
    expect(guest.argv).toContain(`if=pflash,format=raw,unit=0,readonly=on,file=${OVMF.code}`);
    await guest.agent!.ping();
  });

  it('answers on the virtio console (hvc0) as on the serial one', async () => {
    expect(guest.banner.consoles).toEqual(['ttyS0', 'hvc0']);
    expect(await guest.virtioConsole!.sh('tty; banner')).toBe(`/dev/hvc0\n${guest.banner.line}\n`);
  });

  it("writes an EFI variable into the guest's own NVRAM copy, never into OVMF's template", async () => {
    const value = `nv-${randomBytes(6).toString('hex')}`;
    // efivarfs: 4 bytes of attributes (non-volatile, boot service, runtime access), then the data.
    await guest.console.sh(`printf '\\007\\000\\000\\000${value}' > /sys/firmware/efi/efivars/VirtwireTest-${VENDOR}`);
    expect(await guest.console.sh(`tail -c +5 /sys/firmware/efi/efivars/VirtwireTest-${VENDOR}`)).toBe(value);
    expect(await guest.powerdown()).toEqual({ code: 0, signal: null });
    const nvram = readFileSync(guest.nvram!);
    expect(nvram.includes(Buffer.from('VirtwireTest', 'utf16le'))).toBe(true);
    expect(nvram.includes(Buffer.from(value))).toBe(true);
    expect(sha256(OVMF.varsTemplate)).toBe(templateHash);
  });
});
