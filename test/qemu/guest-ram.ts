// Reads and writes a guest-less guest's RAM from outside the daemon: pmemsave to read, QEMU's gdbstub (one `M` packet) to write.
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { QmpClient } from '@virtwire/server/qemu-engine';

/** Reads `length` bytes of guest-physical memory at `address` (QMP pmemsave into a scratch file). */
export async function readGuestRam(qmp: QmpClient, scratchDir: string, address: number, length: number): Promise<Buffer> {
  const file = join(scratchDir, `pmem-${process.pid}-${address}.bin`);
  try {
    await qmp.execute('pmemsave', { val: address, size: length, filename: file });
    return readFileSync(file);
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Writes `bytes` into guest-physical memory at `address` through QEMU's gdbstub (HMP `gdbserver`
 * on a unix socket): a gdb client attaching stops the vCPUs, its detach (`D`) lets them run again,
 * so this is for running guests only.
 */
export async function writeGuestRam(qmp: QmpClient, scratchDir: string, address: number, bytes: Buffer): Promise<void> {
  const socketPath = join(scratchDir, `gdb-${process.pid}.sock`);
  rmSync(socketPath, { force: true });
  await qmp.execute('human-monitor-command', { 'command-line': `gdbserver unix:${socketPath},server=on,wait=off` });
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(socketPath, () => resolve(s));
    s.once('error', reject);
  });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  /**
   * Sends `body` and returns the first packet that `answers` it. The stub also sends a stop packet
   * (`T05…`) of its own when the attach stops the vCPUs, which may arrive after the `?` was sent:
   * stop packets answer only `?`.
   */
  const reply = async (body: string, answers: (packet: string) => boolean = (p) => !/^[TS][0-9a-f]{2}/.test(p)): Promise<string> => {
    const checksum = [...Buffer.from(body, 'latin1')].reduce((sum, b) => (sum + b) % 256, 0);
    received = '';
    socket.write(`$${body}#${checksum.toString(16).padStart(2, '0')}`);
    for (let i = 0; i < 500; i++) {
      const packet = [...received.matchAll(/\$([^#]*)#[0-9a-f]{2}/g)].map((m) => m[1]!).find(answers);
      if (packet !== undefined) return packet;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`gdbstub did not answer ${body}`);
  };
  try {
    await reply('?', () => true);
    const answer = await reply(`M${address.toString(16)},${bytes.length.toString(16)}:${bytes.toString('hex')}`);
    if (answer !== 'OK') throw new Error(`gdbstub refused the write: ${answer}`);
    await reply('D');
  } finally {
    socket.destroy();
    await qmp.execute('human-monitor-command', { 'command-line': 'gdbserver none' }).catch(() => undefined);
  }
}
