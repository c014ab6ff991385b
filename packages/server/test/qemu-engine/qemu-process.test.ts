// QemuProcess against real QEMU: launch states, identity checks, re-attach after a daemon restart, stop paths.
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  QemuLaunchError,
  QemuNotRunningError,
  QemuProcess,
  buildQemuArgv,
  isOurGuest,
  isProcessAlive,
  readLiveDisks,
  readPidFile,
  runtimePaths,
} from '../../src/drivers/qemu/engine/index.js';
import { Sandbox, hasQemu, timed } from './helpers.js';

const engineSource = fileURLToPath(new URL('../../src/drivers/qemu/engine/', import.meta.url));

describe.skipIf(!hasQemu)('QemuProcess', () => {
  let box: Sandbox;
  let disk: string;

  beforeAll(async () => {
    box = await Sandbox.create();
    disk = await box.image('disk.qcow2');
  });
  afterEach(async () => {
    await box.killGuests();
  });
  afterAll(async () => {
    await box?.cleanup();
  });

  it('launches paused with a pidfile, a 0700 runtime dir, and the identity marker in its cmdline', async () => {
    const { value: guest, ms } = await timed(() => box.launch('p1', [{ target: 'vda', path: disk, format: 'qcow2' }]));
    console.info(`[qemu-engine] launch to paused (1 disk): ${ms.toFixed(1)} ms`);
    expect((await guest.queryStatus()).status).toBe('paused');
    expect(await readPidFile(guest.paths.pidFile)).toBe(guest.pid);
    expect(await isOurGuest(guest.pid, 'p1', guest.paths)).toBe(true);
    expect(await isOurGuest(guest.pid, 'other', guest.paths)).toBe(false);
    expect((await fs.stat(guest.paths.dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(guest.paths.logFile)).mode & 0o777).toBe(0o600);
    const stat = await fs.readFile(`/proc/${guest.pid}/stat`, 'utf8');
    const sessionId = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    expect(sessionId).toBe(guest.pid); // own session: not in the daemon's process group or terminal
    const disks = await readLiveDisks(guest.qmp);
    expect(disks.get('vda')).toMatchObject({ activeNode: 'vda-fmt', file: disk, format: 'qcow2', readOnly: false });
  });

  it('supports prelaunch and running start states, pause and resume', async () => {
    const pre = await box.launch('p2', [], { startState: 'prelaunch' });
    expect((await pre.queryStatus()).status).toBe('prelaunch');
    const running = await box.launch('p3', [], { startState: 'running' });
    expect((await running.queryStatus()).status).toBe('running');
    await running.pause();
    expect((await running.queryStatus()).status).toBe('paused');
    await running.resume();
    expect((await running.queryStatus()).status).toBe('running');
  });

  it('re-attaches after a daemon restart: new QMP connection, pid verified; refuses a wrong name', async () => {
    const first = await box.launch('p4', [{ target: 'vda', path: await box.image('p4.qcow2'), format: 'qcow2' }]);
    await first.detach(); // the "daemon" goes away, the guest stays
    expect(await isProcessAlive(first.pid)).toBe(true);
    const again = box.track(await QemuProcess.attach({ runtimeDir: first.paths.dir, name: 'p4' }));
    expect(again.pid).toBe(first.pid);
    expect((await again.queryStatus()).status).toBe('paused');
    expect((await readLiveDisks(again.qmp)).get('vda')?.activeNode).toBe('vda-fmt');
    await expect(QemuProcess.attach({ runtimeDir: first.paths.dir, name: 'intruder' })).rejects.toBeInstanceOf(QemuNotRunningError);
  });

  it('refuses to attach when the pidfile points at another process (pid reuse)', async () => {
    const paths = runtimePaths(await box.mkdir('fake-run'));
    await fs.writeFile(paths.pidFile, `${process.pid}\n`);
    await expect(QemuProcess.attach({ runtimeDir: paths.dir, name: 'ghost' })).rejects.toThrow(/not guest ghost/);
    await expect(QemuProcess.attach({ runtimeDir: await box.mkdir('empty-run'), name: 'ghost' })).rejects.toThrow(/no pidfile/);
  });

  it('quit stops the guest through QMP and cleans the socket and pidfile; kill() is the fallback', async () => {
    const guest = await box.launch('p5', []);
    expect(await guest.quit()).toBe('quit');
    expect(await isProcessAlive(guest.pid)).toBe(false);
    await expect(fs.stat(guest.paths.qmpSocket)).rejects.toThrow();
    await expect(fs.stat(guest.paths.pidFile)).rejects.toThrow();
    expect(await guest.quit()).toBe('already-exited');

    const stubborn = await box.launch('p6', []);
    await stubborn.kill();
    expect(await isProcessAlive(stubborn.pid)).toBe(false);
    await expect(fs.stat(stubborn.paths.qmpSocket)).rejects.toThrow();
  });

  it('refuses to launch a guest that already runs from the same runtime dir', async () => {
    const guest = await box.launch('p7', []);
    await expect(QemuProcess.launch({ name: 'p7', disks: [], runtimeDir: guest.paths.dir })).rejects.toThrow(/already running/);
    expect((await guest.queryStatus()).status).toBe('paused');
  });

  it("fails fast with QEMU's own error when the command line is bad", async () => {
    const { value: error, ms } = await timed(() =>
      QemuProcess.launch({
        name: 'bad',
        runtimeDir: box.path('run', 'bad'),
        disks: [{ target: 'vda', path: box.path('missing.qcow2'), format: 'qcow2' }],
      }).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(QemuLaunchError);
    expect((error as QemuLaunchError).logTail).toMatch(/No such file or directory/);
    expect(ms).toBeLessThan(3_000);
  });

  it('builds -blockdev chains with explicit backing nodes and read-only lower layers', () => {
    const argv = buildQemuArgv(
      {
        name: 'chain',
        disks: [
          {
            target: 'vda',
            path: '/i/top.qcow2',
            format: 'qcow2',
            backingChain: [
              { path: '/i/mid.qcow2', format: 'qcow2' },
              { path: '/i/base.raw', format: 'raw' },
            ],
          },
        ],
      },
      runtimePaths('/run/vw/chain'),
    );
    const nodes = argv.flatMap((arg, i) => (argv[i - 1] === '-blockdev' ? [JSON.parse(arg) as Record<string, unknown>] : []));
    expect(nodes.filter((n) => n.driver !== 'file')).toEqual([
      { 'node-name': 'vda-fmt', driver: 'raw', file: 'vda-file', 'read-only': true },
      { 'node-name': 'vda-g1-fmt', driver: 'qcow2', file: 'vda-g1-file', 'read-only': true, backing: 'vda-fmt' },
      { 'node-name': 'vda-g2-fmt', driver: 'qcow2', file: 'vda-g2-file', 'read-only': false, backing: 'vda-g1-fmt' },
    ]);
    expect(argv).toContain('virtio-blk-pci,drive=vda-g2-fmt,id=vda');
    expect(() => buildQemuArgv({ name: 'a,b', disks: [] }, runtimePaths('/run/vw/x'))).toThrow(/invalid guest name/);
  });

  it('attaches IDE/SATA disks and CD-ROMs on the machine controller, and query-block reports them by target', async () => {
    const iso = await box.image('cd.iso', 1024 * 1024, 'raw');
    const data = await box.image('sata.qcow2');
    const guest = await box.launch('p8', [
      { target: 'sda', path: data, format: 'qcow2', device: { model: 'ide-hd', bus: 'ide.0' } },
      { target: 'hdc', path: iso, format: 'raw', readOnly: true, device: { model: 'ide-cd', bus: 'ide.2' } },
    ]);
    const disks = await readLiveDisks(guest.qmp);
    expect(disks.get('sda')).toMatchObject({ activeNode: 'sda-fmt', file: data, readOnly: false });
    expect(disks.get('hdc')).toMatchObject({ activeNode: 'hdc-fmt', file: iso, format: 'raw', readOnly: true });
    expect(() =>
      buildQemuArgv(
        { name: 'x', disks: [{ target: 'sdb', path: data, format: 'qcow2', device: { model: 'ide-hd', bus: 'ide,0' } }] },
        runtimePaths('/run/vw/x'),
      ),
    ).toThrow(/invalid controller bus/);
  });

  it('the guest survives the death of the process that launched it (SIGKILLed daemon)', async () => {
    const build = await compileEngine(box.path('engine-js'));
    const runtimeDir = box.path('run', 'orphan');
    const launcher = box.path('launcher.mjs');
    await fs.writeFile(
      launcher,
      `import { QemuProcess } from ${JSON.stringify(path.join(build, 'index.js'))};\n` +
        `const g = await QemuProcess.launch({ name: 'orphan', runtimeDir: ${JSON.stringify(runtimeDir)}, disks: [] });\n` +
        `process.stdout.write(String(g.pid) + '\\n');\nprocess.kill(process.pid, 'SIGKILL');\n`,
    );
    const pid = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [launcher], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(Number(out.trim())) : reject(new Error(`launcher exited: ${out}`))));
    });
    const guest = box.track(await QemuProcess.attach({ runtimeDir, name: 'orphan' }));
    expect(guest.pid).toBe(pid);
    expect((await guest.queryStatus()).status).toBe('paused');
  });
});

/** Compiles the engine sources to plain ESM JavaScript so a separate node process can import them. */
async function compileEngine(outDir: string): Promise<string> {
  const tsc = fileURLToPath(new URL('../../../../node_modules/typescript/bin/tsc', import.meta.url));
  await promisify(execFile)(process.execPath, [
    tsc,
    '--outDir',
    outDir,
    '--rootDir',
    engineSource,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--strict',
    '--skipLibCheck',
    '--types',
    'node',
    path.join(engineSource, 'index.ts'),
  ]);
  await fs.writeFile(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  return outDir;
}
