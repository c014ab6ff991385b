// Targeted crash cases of the qemu driver (issue 17), each on the real virtwired binary: a second daemon, kills at named points, QEMU dying mid-operation.
import { connect, DomainCreateFlags, type Connection } from '@virtwire/client';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, readPidFile } from '../../packages/server/src/drivers/qemu/engine/index.js';
import { spawnDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { domainXml, hasQemu, killGuestsUnder, QemuSandbox, target } from './qemu-fixture.js';

const exec = promisify(execFile);

describe.skipIf(!hasQemu)('qemu driver: targeted crash cases', () => {
  let box: QemuSandbox;
  let caseIndex = 0;
  const daemons = new Set<DaemonProcess>();

  beforeAll(async () => {
    await exec(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-b'], { cwd: process.cwd() });
    box = QemuSandbox.create();
  });
  afterEach(async () => {
    for (const daemon of daemons) daemon.child.kill('SIGKILL');
    await Promise.all([...daemons].map((d) => d.exited));
  });
  afterAll(async () => {
    await killGuestsUnder(box.path());
    box?.cleanup();
  });

  /** A fresh state directory, storage root and runtime directory for one case. */
  const newCase = () => {
    const dir = box.mkdir(`case-${caseIndex++}`);
    const paths = { state: join(dir, 'state'), images: join(dir, 'images'), runtime: join(dir, 'run') };
    for (const path of Object.values(paths)) mkdirSync(path, { recursive: true });
    return paths;
  };
  type Case = ReturnType<typeof newCase>;

  const start = async (paths: Case, failpoints = ''): Promise<{ daemon: DaemonProcess; conn: Connection }> => {
    const daemon = await spawnDaemon(['--state-dir', paths.state, '--storage-root', paths.images, '--qemu-runtime-dir', paths.runtime, '--qemu-inspection-monitor'], {
      VIRTWIRE_FAILPOINTS: failpoints,
    });
    daemons.add(daemon);
    void daemon.exited.then(() => daemons.delete(daemon));
    return { daemon, conn: await connect(`qemu+${daemon.wsAddress}/session`) };
  };

  /** A defined domain with `disks` qcow2 disks in the case's storage root. */
  const define = async (paths: Case, conn: Connection, name: string, disks = 1) => {
    const images = [];
    for (let i = 0; i < disks; i++) images.push({ target: target(i), path: await box.image(join(paths.images, `${name}-${target(i)}.qcow2`)) });
    return conn.domainDefineXML(domainXml(name, images));
  };

  it('a second daemon on the same state directory fails before it touches anything: the guest stays managed', async () => {
    const paths = newCase();
    const { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'held');
    await dom.create(DomainCreateFlags.StartPaused);
    const runDir = join(paths.runtime, dom.uuid);
    const pid = await readPidFile(join(runDir, 'qemu.pid'));

    const second = await spawnDaemon(['--state-dir', paths.state, '--storage-root', paths.images, '--qemu-runtime-dir', paths.runtime]).then(
      (d) => {
        daemons.add(d);
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(second).toMatch(/state directory .* is in use by another virtwired \(pid \d+\)/);
    for (const file of ['qemu.pid', 'qmp.sock', 'status.xml']) expect(existsSync(join(runDir, file)), file).toBe(true);
    expect(await isProcessAlive(pid!)).toBe(true);
    await dom.destroy();
    await dom.create();
    expect(await dom.isActive()).toBe(true);
    await dom.destroy();
    await conn.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  });
});
