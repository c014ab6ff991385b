// The test guest under SeaBIOS in one boot: banner, shell on the serial console, data disks, user networking, guest agent and fsfreeze.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDiskNeedsRecovery, readDataDiskFile } from './data-disk.js';
import { GuestAgentError } from './guest-agent-client.js';
import { GUEST_BANNER_PREFIX, guestSkipReason } from './guest-image.js';
import { useGuestLab } from './guest-lab.js';
import type { Guest } from './guest-machine.js';

describe.skipIf(guestSkipReason)('test guest: BIOS boot, console, network, agent', () => {
  const lab = useGuestLab();
  let guest: Guest, vda: string, vdb: string;
  const greeting = `hello from the host ${randomBytes(4).toString('hex')}\n`;
  beforeAll(async () => {
    vda = await lab.dataDisk('vda.qcow2', { label: 'first' });
    vdb = await lab.dataDisk('vdb.qcow2', { sizeMiB: 32, label: 'second', files: { 'greeting.txt': greeting, 'dir/nested.txt': 'nested\n' } });
    guest = await lab.boot({ disks: [vda, vdb] });
    console.info(`[guest tests] BIOS boot under ${guest.accel}: ${guest.bootMs} ms to the banner (guest uptime ${guest.banner.uptime} s)`);
  }, 300_000);

  it('prints the ready banner with the kernel, the firmware, the address, the mounted disks and the agent', async () => {
    expect(guest.banner).toMatchObject({
      kernel: lab.image.kernelVersion,
      firmware: 'bios',
      ip: '10.0.2.15',
      disks: ['vda', 'vdb'],
      agent: true,
      consoles: ['ttyS0'],
    });
    expect(guest.banner.line.startsWith(GUEST_BANNER_PREFIX)).toBe(true);
    expect(await guest.console.sh('banner')).toBe(`${guest.banner.line}\n`);
    expect(await guest.console.sh('uname -r')).toBe(`${lab.image.kernelVersion}\n`);
  });

  it('runs shell commands on the serial console with their exact output and exit status', async () => {
    expect(await guest.console.run('printf "no newline"')).toEqual({ output: 'no newline', status: 0 });
    expect(await guest.console.run("echo 'it''s' \"quoted\" | tr a-z A-Z # and a comment")).toEqual({ output: 'ITS QUOTED\n', status: 0 });
    expect(await guest.console.run('ls /nonexistent')).toMatchObject({ status: 1 });
    expect(await guest.console.run('(exit 7)')).toEqual({ output: '', status: 7 });
    expect(await guest.console.run('printf "a\\n\\nb\\n\\n"')).toEqual({ output: 'a\n\nb\n\n', status: 0 });
  });

  it('mounts each ext4 data disk on /mnt/<name>: the host-made files are there, and a write reaches the image', async () => {
    expect(await guest.console.sh('cat /mnt/vdb/greeting.txt /mnt/vdb/dir/nested.txt')).toBe(`${greeting}nested\n`);
    expect(await guest.console.sh('awk \'$2 ~ "^/mnt/" { print $1, $2, $3 }\' /proc/mounts')).toBe('/dev/vda /mnt/vda ext4\n/dev/vdb /mnt/vdb ext4\n');
    const marker = randomBytes(8).toString('hex');
    await guest.console.sh(`echo ${marker} > /mnt/vda/written-in-guest && sync`);
    expect(await readDataDiskFile(vda, '/written-in-guest')).toBe(`${marker}\n`);
  });

  describe('user networking', () => {
    let server: Server, requests: string[];
    const body = `served to the guest ${randomBytes(8).toString('hex')}`;
    beforeAll(async () => {
      requests = [];
      server = createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        res.end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('gets 10.0.2.15 from DHCP, with QEMU as gateway and DNS server', async () => {
      expect(await guest.console.sh("ip -4 -o addr show dev eth0 | awk '{ print $4 }'")).toBe('10.0.2.15/24\n');
      expect(await guest.console.sh('ip route show default')).toMatch(/^default via 10\.0\.2\.2 dev eth0/);
      expect(await guest.console.sh('cat /etc/resolv.conf')).toBe('nameserver 10.0.2.3\n');
    });

    it('fetches a page from an HTTP server on the host at 10.0.2.2', async () => {
      const port = (server.address() as AddressInfo).port;
      expect(await guest.console.sh(`wget -q -O - http://10.0.2.2:${port}/from-guest`)).toBe(body);
      expect(requests).toEqual(['GET /from-guest']);
    });
  });

  describe('guest agent', () => {
    it("answers guest-ping and reports unknown commands with the agent's error class", async () => {
      await guest.agent!.ping();
      const error = await guest.agent!.execute('guest-no-such-command').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GuestAgentError);
      expect((error as GuestAgentError).errorClass).toBe('CommandNotFound');
    });

    it('freezes both data disks (writes wait, the images are consistent) and thaws them', async () => {
      expect(await guest.agent!.fsfreezeStatus()).toBe('thawed');
      const before = randomBytes(8).toString('hex');
      await guest.console.sh(`echo ${before} > /mnt/vdb/before-freeze`); // no sync: freezing must flush it
      expect(await dataDiskNeedsRecovery(vda)).toBe(true); // mounted read-write: the journal is live

      expect(await guest.agent!.fsfreezeFreeze()).toBe(2); // vda and vdb; the initramfs root is not freezable
      expect(await guest.agent!.fsfreezeStatus()).toBe('frozen');
      expect(await dataDiskNeedsRecovery(vda)).toBe(false);
      expect(await dataDiskNeedsRecovery(vdb)).toBe(false);
      expect(await readDataDiskFile(vdb, '/before-freeze')).toBe(`${before}\n`);
      // A write started now blocks until the thaw.
      await guest.console.sh('(echo during > /mnt/vdb/during-freeze; echo written > /tmp/write-done) &');
      await guest.console.sh('sleep 1');
      expect(await guest.console.run('cat /tmp/write-done')).toMatchObject({ status: 1 });
      expect(await readDataDiskFile(vdb, '/during-freeze')).toBeUndefined();

      expect(await guest.agent!.fsfreezeThaw()).toBe(2);
      expect(await guest.agent!.fsfreezeStatus()).toBe('thawed');
      await guest.console.sh('for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /tmp/write-done ] && break; sleep 0.5; done; sync');
      expect(await guest.console.sh('cat /mnt/vdb/during-freeze /tmp/write-done')).toBe('during\nwritten\n');
      expect(await dataDiskNeedsRecovery(vda)).toBe(true);
    });
  });
});
