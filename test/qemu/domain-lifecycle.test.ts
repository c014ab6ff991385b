// The qemu driver's domain lifecycle through a real virtwired, the SDK and real QEMU: define, start, pause, stop, re-attach.
import { connect, DomainCreateFlags, DomainState, DomainXMLFlags, ErrorDomain, ErrorNumber, type Connection, RunningReason } from '@virtwire/client';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPidFile, isProcessAlive } from '@virtwire/server/qemu-engine';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { domainXml, failure, hasQemu, QemuSandbox } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

describe.skipIf(!hasQemu)('qemu driver: domain lifecycle', () => {
  const qemu = useQemuDaemon({ confined: false, inspectionMonitor: false });
  let box: QemuSandbox, server: TestDaemon, conn: Connection, stateDir: string, runtimeDir: string;
  beforeAll(() => ({ box, server, conn, stateDir, runtimeDir } = qemu));
  // The restart tests replace the fixture's daemon with their own: the last of those is closed here (the fixture closes its own).
  afterAll(async () => {
    if (server === qemu.server) return;
    await conn.close();
    await server.close();
  });

  it("reports QEMU's version libvirt-style, minimal capabilities XML, and the driver's atomic kinds", async () => {
    const version = await conn.getVersion();
    expect(version).toBeGreaterThanOrEqual(6_000_000);
    expect(conn.capabilities.driver).toBe('qemu');
    expect(conn.capabilities.version).toBe(version);
    expect(conn.capabilities.crashConsistent).toBe(true);
    expect(conn.capabilities.atomic).toContainEqual({ location: 'external', scope: 'disk-only', state: 'live', maxDisks: null });
    // external memory with external disks is atomic on a live guest (the memory file and every overlay, or nothing)
    expect(conn.capabilities.atomic).toContainEqual({ location: 'external', scope: 'full', state: 'live', maxDisks: null });
    expect(await conn.getCapabilitiesXML()).toContain("<domain type='qemu'/>");
    expect(conn.uri).toBe('qemu:///session');
  });

  it('defines a two-disk domain with a SATA CD-ROM, starts it paused, suspends, resumes, destroys and undefines it', async () => {
    const disk0 = await box.image(box.path('a.qcow2'));
    const disk1 = await box.image(box.path('b.raw'), 16 * 1024 * 1024, 'raw');
    const iso = await box.image(box.path('cd.iso'), 1024 * 1024, 'raw');
    const dom = await conn.domainDefineXML(
      domainXml('life', [
        { target: 'vda', path: disk0 },
        { target: 'vdb', path: disk1, format: 'raw' },
        { target: 'sdc', path: iso, format: 'raw', device: 'cdrom', bus: 'sata', readOnly: true },
      ]),
    );
    expect(dom.id).toBe(-1);
    expect(existsSync(join(stateDir, 'qemu', 'domains', 'life.xml'))).toBe(true);
    expect(await dom.isActive()).toBe(false);
    expect(await dom.isPersistent()).toBe(true);
    expect(await dom.getState()).toEqual({ state: DomainState.Shutoff, reason: 0 });

    await dom.create(DomainCreateFlags.StartPaused);
    const live = await conn.domainLookupByName('life');
    expect(live.id).toBeGreaterThan(0);
    expect(await live.getState()).toEqual({ state: DomainState.Paused, reason: 1 });
    const info = await live.getInfo();
    expect(info).toMatchObject({ state: DomainState.Paused, maxMem: 131072, nrVirtCpu: 1 });
    const xml = await live.getXMLDesc();
    expect(xml).toContain(`<domain type='qemu' id='${live.id}'>`);
    expect(xml).toContain('<backingStore/>');
    expect(await live.getXMLDesc(DomainXMLFlags.Inactive)).toMatch(/^<domain type='qemu'>\n/);
    const pid = await readPidFile(join(runtimeDir, live.uuid, 'qemu.pid'));
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(`guest=${live.uuid}`);

    expect((await failure(live.create())).message).toBe('Requested operation is not valid: domain is already running');
    await live.resume();
    // libvirt's qemu driver resumes with VIR_DOMAIN_RUNNING_UNPAUSED (5); 3 would be RESTORED.
    expect(await live.getState()).toEqual({ state: DomainState.Running, reason: RunningReason.Unpaused });
    await live.shutdown(); // ACPI request; a guest without an OS ignores it, like libvirt the call returns at once
    expect((await live.getState()).state).toBe(DomainState.Running);
    await live.suspend();
    expect((await live.getState()).state).toBe(DomainState.Paused);
    expect((await failure(live.shutdown())).message).toBe('Requested operation is not valid: domain is not running');

    expect((await conn.listAllDomains(1)).map((d) => d.name)).toEqual(['life']);
    await live.destroy();
    expect(await isProcessAlive(pid!)).toBe(false);
    expect(await live.getState()).toEqual({ state: DomainState.Shutoff, reason: 2 });
    expect(existsSync(join(runtimeDir, live.uuid, 'status.xml'))).toBe(false);
    expect((await failure(live.destroy())).message).toBe('Requested operation is not valid: domain is not running');

    await live.undefine();
    const gone = await failure(conn.domainLookupByName('life'));
    expect([gone.code, gone.domain, gone.message]).toEqual([ErrorNumber.NoDomain, ErrorDomain.Qemu, "Domain not found: no domain with matching name 'life'"]);
    expect(existsSync(join(stateDir, 'qemu', 'domains', 'life.xml'))).toBe(false);
  });

  it('refuses what it cannot run with libvirt-style errors', async () => {
    // type='kvm' with and without a usable KVM: domain-acceleration.test.ts
    const xen = await failure(conn.domainDefineXML(domainXml('k', []).replace("type='qemu'", "type='xen'")));
    expect([xen.code, xen.domain, xen.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Qemu,
      `unsupported configuration: Emulator '${execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim()}' does not support virt type 'xen'`,
    ]);
    const slash = await failure(conn.domainDefineXML(domainXml('a/b', [])));
    expect(slash.message).toBe("XML error: name a/b cannot contain '/'");
    const relative = await failure(conn.domainDefineXML(domainXml('rel', [{ target: 'vda', path: 'x.qcow2' }])));
    expect([relative.code, relative.message]).toEqual([ErrorNumber.AccessDenied, "access denied: path 'x.qcow2' is not absolute"]);
    const missing = await conn.domainDefineXML(domainXml('missing', [{ target: 'vda', path: box.path('nope.qcow2') }]));
    const start = await failure(missing.create());
    expect([start.code, start.domain, start.message]).toEqual([
      ErrorNumber.SystemError,
      ErrorDomain.Qemu,
      `Cannot access storage file '${box.path('nope.qcow2')}': No such file or directory`,
    ]);
    expect(await missing.isActive()).toBe(false);
    await missing.undefine();
    expect((await failure(connect(server.qemuUri.replace('/session', '/system')))).message).toBe(
      "internal error: unexpected QEMU URI path '/system', try qemu:///session",
    );
  });

  it('undefining a running domain makes it transient: it runs on, and is gone once destroyed, also across a restart', async () => {
    const disk = await box.image(box.path('t.qcow2'));
    await (await conn.domainDefineXML(domainXml('fleeting', [{ target: 'vda', path: disk }]))).create(DomainCreateFlags.StartPaused);
    const dom = await conn.domainLookupByName('fleeting');
    await dom.undefine();
    expect(await dom.isPersistent()).toBe(false);
    expect(await dom.isActive()).toBe(true);
    expect(existsSync(join(stateDir, 'qemu', 'domains', 'fleeting.xml'))).toBe(false);
    await conn.close();
    await server.close();
    server = await startTestDaemon({ stateDir, qemu: { runtimeDir } });
    conn = await connect(server.qemuUri);
    const again = await conn.domainLookupByName('fleeting');
    expect(await again.isPersistent()).toBe(false);
    await again.destroy();
    expect((await failure(conn.domainLookupByName('fleeting'))).code).toBe(ErrorNumber.NoDomain);
  });

  it('a restarted daemon re-attaches to the guests still running and never kills them', async () => {
    const disk = await box.image(box.path('r.qcow2'));
    const dom = await conn.domainDefineXML(domainXml('survivor', [{ target: 'vda', path: disk }]));
    await dom.create(DomainCreateFlags.StartPaused);
    const before = await conn.domainLookupByName('survivor');
    const pid = await readPidFile(join(runtimeDir, before.uuid, 'qemu.pid'));
    const xmlBefore = await before.getXMLDesc();
    await conn.close();
    await server.close();
    expect(await isProcessAlive(pid!)).toBe(true);

    server = await startTestDaemon({ stateDir, qemu: { runtimeDir } });
    conn = await connect(server.qemuUri);
    const after = await conn.domainLookupByName('survivor');
    expect(after.id).toBe(before.id);
    expect(await after.getState()).toEqual({ state: DomainState.Paused, reason: 1 });
    expect(await after.getXMLDesc()).toBe(xmlBefore);
    await after.resume();
    expect((await after.getState()).state).toBe(DomainState.Running);
    await after.destroy();
    expect(await isProcessAlive(pid!)).toBe(false);
  });
});
