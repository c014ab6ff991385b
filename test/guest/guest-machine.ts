// Boots the test guest with plain QEMU (no virtwire): KVM or TCG, serial console, QMP and agent sockets, user network, data disks, BIOS or UEFI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QmpClient } from '@virtwire/server/qemu-engine';
import { GuestAgentClient } from './guest-agent-client.js';
import { GuestConsole, type ConsoleStream, type GuestBanner } from './guest-console.js';
import { OVMF, type GuestImage } from './guest-image.js';

/** How QEMU runs the guest's CPU. */
export type Accel = 'kvm' | 'tcg';

/** One data disk: a path (qcow2) or a path with its format. They become vda, vdb, ... in order. */
export type GuestDisk = string | { path: string; format: 'qcow2' | 'raw' };

/** What to boot. Everything but `image` is optional. */
export interface BootOptions {
  image: GuestImage;
  disks?: GuestDisk[];
  /** UEFI through OVMF (pflash code + NVRAM) instead of SeaBIOS. */
  uefi?: boolean;
  /** The NVRAM file to use (kept, e.g. across boots); default a fresh copy of OVMF's template in the guest's directory. */
  nvram?: string;
  /** Default: `VIRTWIRE_GUEST_ACCEL` (kvm or tcg), else chooseAccel(). */
  accel?: Accel;
  memoryMiB?: number;
  /** A virtio-net NIC on QEMU user networking (default true). */
  network?: boolean;
  /** The virtio-serial guest agent port (default true). */
  agent?: boolean;
  /** A virtio console (hvc0) with a shell as well, on a second unix socket (default false). */
  virtioConsole?: boolean;
  /** Extra kernel command line arguments. */
  kernelArgs?: string[];
  /** How long to wait for the banner (default 180 s: TCG on a busy machine, UEFI). */
  bootTimeoutMs?: number;
}

/** How a QEMU process ended. */
export interface GuestExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every guest this process started and has not disposed yet: killed at exit whatever happens. */
const running = new Set<Guest>();
process.on('exit', () => {
  for (const guest of running) guest.killNow();
});

/** True when /dev/kvm opens read-write and the kernel's KVM is hardware-assisted (kvm_intel or kvm_amd). */
export function kvmUsable(): boolean {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
  } catch {
    return false;
  }
  // A software KVM (the PVM of some nested sandboxes) opens fine but emulates a normal kernel's
  // privileged code instruction by instruction: far slower than TCG, and some instructions fail.
  return existsSync('/sys/module/kvm_intel') || existsSync('/sys/module/kvm_amd');
}

/** The accelerator to use: `VIRTWIRE_GUEST_ACCEL=kvm|tcg` if set, else KVM when kvmUsable(), else TCG. */
export function chooseAccel(): Accel {
  const forced = process.env.VIRTWIRE_GUEST_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (forced) throw new Error(`VIRTWIRE_GUEST_ACCEL must be kvm or tcg, not ${forced}`);
  return kvmUsable() ? 'kvm' : 'tcg';
}

/** The kernel command line every boot gets (before BootOptions.kernelArgs). */
export const GUEST_KERNEL_ARGS = ['console=ttyS0', 'quiet', 'panic=-1'];

/** A value inside a QEMU `key=value,...` option: commas are doubled. */
const opt = (value: string): string => value.replace(/,/g, ',,');

/** QEMU's command line for a guest whose sockets and files live in `dir` (exported for the driver's tests to compare). */
export function guestArgv(options: BootOptions, accel: Accel, dir: string, nvram: string | undefined): string[] {
  const { image } = options;
  // SeaBIOS boots the uncompressed kernel through its PVH entry (no decompressor); OVMF needs the EFI stub.
  const kernel = options.uefi || !image.vmlinux ? image.kernel : image.vmlinux;
  const argv = [
    '-name',
    'virtwire-test-guest',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-S',
    '-no-reboot',
    '-machine',
    `q35,accel=${accel}`,
    '-cpu',
    accel === 'kvm' ? 'host' : 'max',
    '-m',
    String(options.memoryMiB ?? 256),
    '-kernel',
    kernel,
    '-initrd',
    image.initrd,
    '-append',
    [...GUEST_KERNEL_ARGS, ...(options.kernelArgs ?? [])].join(' '),
    '-chardev',
    `socket,id=serial0,path=${opt(join(dir, 'serial.sock'))},server=on,wait=off,logfile=${opt(join(dir, 'serial.log'))}`,
    '-serial',
    'chardev:serial0',
    '-chardev',
    `socket,id=qmp,path=${opt(join(dir, 'qmp.sock'))},server=on,wait=off`,
    '-mon',
    'chardev=qmp,mode=control',
  ];
  if (options.uefi) {
    argv.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${opt(OVMF.code)}`);
    argv.push('-drive', `if=pflash,format=raw,unit=1,file=${opt(nvram!)}`);
  }
  if (options.agent !== false || options.virtioConsole) argv.push('-device', 'virtio-serial-pci,id=vser0');
  if (options.agent !== false) {
    argv.push('-chardev', `socket,id=qga0,path=${opt(join(dir, 'agent.sock'))},server=on,wait=off`);
    argv.push('-device', 'virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0');
  }
  if (options.virtioConsole) {
    argv.push('-chardev', `socket,id=console1,path=${opt(join(dir, 'hvc0.sock'))},server=on,wait=off`);
    argv.push('-device', 'virtconsole,bus=vser0.0,chardev=console1');
  }
  if (options.network !== false) {
    // romfile= : no iPXE option ROM, nothing for the firmware to try before the kernel.
    argv.push('-netdev', 'user,id=net0', '-device', 'virtio-net-pci,netdev=net0,romfile=');
  }
  (options.disks ?? []).forEach((disk, i) => {
    const { path, format } = typeof disk === 'string' ? { path: disk, format: 'qcow2' } : disk;
    argv.push('-blockdev', JSON.stringify({ driver: 'file', filename: path, 'node-name': `file${i}` }));
    argv.push('-blockdev', JSON.stringify({ driver: format, file: `file${i}`, 'node-name': `disk${i}` }));
    argv.push('-device', `virtio-blk-pci,drive=disk${i},id=vd${String.fromCharCode(97 + i)}`);
  });
  return argv;
}

/**
 * A running test guest. Its directory holds the sockets (serial.sock, qmp.sock, agent.sock,
 * hvc0.sock), serial.log and the NVRAM copy; dispose() kills QEMU and removes the directory.
 */
export class Guest {
  /** The ready banner's fields. */
  banner!: GuestBanner;
  /** From spawning QEMU to the banner, in ms. */
  bootMs = 0;
  /** The shell on the serial console (ttyS0). */
  console!: GuestConsole;
  /** The shell on hvc0, with `virtioConsole`. */
  virtioConsole: GuestConsole | undefined;
  /** QMP of this QEMU (the project's own client). */
  qmp!: QmpClient;
  /** The guest agent, unless `agent: false`. */
  agent: GuestAgentClient | undefined;
  /** Resolves when QEMU exits, however. */
  readonly exited: Promise<GuestExit>;
  private exit: GuestExit | undefined;
  private stderr = '';
  private readonly sockets: net.Socket[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly accel: Accel,
    readonly dir: string,
    readonly argv: string[],
    /** The NVRAM file of a UEFI guest. */
    readonly nvram: string | undefined,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 64 * 1024) this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        const reason = new Error(`QEMU exited (${signal ?? `status ${code}`})${this.stderr ? `: ${this.stderr.trim()}` : ''}`);
        this.console?.close(reason);
        this.virtioConsole?.close(reason);
        resolve(this.exit);
      }),
    );
  }

  /** Boots a guest and resolves once its banner is printed; on any failure QEMU is killed and the error says why. */
  static async boot(options: BootOptions): Promise<Guest> {
    const accel = options.accel ?? chooseAccel();
    const dir = mkdtempSync(join(tmpdir(), 'vwguest-'));
    let nvram = options.nvram;
    if (options.uefi && !nvram) {
      nvram = join(dir, 'OVMF_VARS.fd');
      copyFileSync(OVMF.varsTemplate, nvram);
    }
    const argv = guestArgv(options, accel, dir, nvram);
    const started = Date.now();
    // setpriv --pdeathsig: QEMU dies with this process even if it is SIGKILLed (no exit handler runs then).
    const [command, args] = hasSetpriv() ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...argv]] : ['qemu-system-x86_64', argv];
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const guest = new Guest(child, accel, dir, argv, nvram);
    running.add(guest);
    try {
      await guest.connect(options);
      guest.bootMs = Date.now() - started;
      return guest;
    } catch (error) {
      const log = guest.console?.log.slice(-3000);
      await guest.dispose();
      const hint = accel === 'kvm' && !log ? ' (not a line from the kernel under KVM: a software KVM such as PVM cannot run it; VIRTWIRE_GUEST_ACCEL=tcg)' : '';
      throw new Error(`guest boot failed (${accel}): ${(error as Error).message}${hint}${log ? `\nserial console:\n${log}` : ''}`, { cause: error });
    }
  }

  /** Everything QEMU wrote to stderr (bounded). */
  get qemuStderr(): string {
    return this.stderr;
  }

  /** QEMU's pid. */
  get pid(): number {
    return this.child.pid!;
  }

  /** True until QEMU exited. */
  get isRunning(): boolean {
    return this.exit === undefined;
  }

  /** Waits for QEMU to exit (a shutdown the guest is doing), failing after `timeoutMs`. */
  async waitForExit(timeoutMs = 120_000): Promise<GuestExit> {
    const stopTimer = new AbortController();
    const timeout = sleep(timeoutMs, 'timeout' as const, { signal: stopTimer.signal }).catch(() => 'stopped' as const);
    const outcome = await Promise.race([this.exited, timeout]).finally(() => stopTimer.abort());
    if (outcome === 'timeout' || outcome === 'stopped')
      throw new Error(`QEMU did not exit within ${timeoutMs} ms; last console output:\n${this.console.log.slice(-2000)}`);
    return outcome;
  }

  /** ACPI power button (QMP system_powerdown, what libvirt's DomainShutdown does by default), then waits for QEMU to exit. */
  async powerdown(timeoutMs = 120_000): Promise<GuestExit> {
    await this.qmp.execute('system_powerdown');
    return this.waitForExit(timeoutMs);
  }

  /** SIGKILLs QEMU, synchronously (for exit handlers). */
  killNow(): void {
    if (this.exit === undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills QEMU if it still runs, closes every connection and removes the guest's directory. Safe to call twice. */
  async dispose(): Promise<void> {
    this.agent?.close();
    for (const socket of this.sockets) socket.destroy();
    if (this.qmp && !this.qmp.isClosed) await this.qmp.close();
    if (this.exit === undefined) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
    running.delete(this);
  }

  private async connect(options: BootOptions): Promise<void> {
    const abort = new AbortController();
    void this.exited.then(() => abort.abort());
    const failed = this.exited.then(() => {
      throw new Error(`QEMU exited during boot: ${this.stderr.trim() || `status ${this.exit?.code}`}`);
    });
    const booting = (async () => {
      this.qmp = await QmpClient.connect(join(this.dir, 'qmp.sock'), { connectTimeoutMs: 30_000, signal: abort.signal });
      this.console = new GuestConsole(await this.openSocket(join(this.dir, 'serial.sock')));
      if (options.virtioConsole) this.virtioConsole = new GuestConsole(await this.openSocket(join(this.dir, 'hvc0.sock')));
      // The sockets are connected while the CPUs are stopped (-S): no console output is lost.
      await this.qmp.execute('cont');
      this.banner = await this.console.waitForBanner(options.bootTimeoutMs ?? 180_000);
      if (options.agent !== false) this.agent = await GuestAgentClient.connect(join(this.dir, 'agent.sock'), 30_000);
    })();
    await Promise.race([booting, failed]);
  }

  private async openSocket(path: string): Promise<ConsoleStream> {
    const socket = await connectUnix(path, Date.now() + 30_000);
    this.sockets.push(socket);
    socket.on('error', () => undefined);
    return socketConsoleStream(socket);
  }
}

/** A console stream over a connected socket (QEMU's socket chardev). */
export function socketConsoleStream(socket: net.Socket): ConsoleStream {
  return { write: (data) => void socket.write(data), onData: (listener) => void socket.on('data', listener) };
}

let setprivChecked: boolean | undefined;
function hasSetpriv(): boolean {
  setprivChecked ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivChecked;
}

async function connectUnix(path: string, deadline: number): Promise<net.Socket> {
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(path);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`cannot connect to ${path}: ${(error as Error).message}`, { cause: error });
      await sleep(20);
    }
  }
}

/** Boots the test guest with plain QEMU; see Guest. Dispose of it (or use useGuestLab) whatever happens. */
export function bootGuest(options: BootOptions): Promise<Guest> {
  return Guest.boot(options);
}
