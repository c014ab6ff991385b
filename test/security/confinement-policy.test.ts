// One confinement policy for every driver: each path a client names or makes the daemon open or create, VIR_ERR_ACCESS_DENIED (88) outside the roots.
import { connect, DomainSnapshotCreateFlags, ErrorDomain, ErrorNumber, type Connection } from '@virtwire/client';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { domainXml, failure, hasQemu, killGuestsUnder } from '../qemu/qemu-fixture.js';

/** A domain XML with one disk and, in `<os>`, the boot files given. */
function bootXml(name: string, type: 'qemu' | 'test', disk: string, os: string): string {
  return `<domain type='${type}'><name>${name}</name><memory unit='KiB'>131072</memory><os><type arch='x86_64' machine='q35'>hvm</type>${os}</os>
  <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
}

describe('the confinement policy', () => {
  let top: string;
  let root: string;
  let outside: string;
  let nodes: string;
  let server: TestDaemon;
  beforeAll(async () => {
    top = mkdtempSync(join(tmpdir(), 'virtwire-policy-'));
    root = join(top, 'root');
    outside = join(top, 'outside');
    nodes = join(top, 'nodes');
    for (const dir of [root, outside, nodes]) mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(outside, 'victim.img'), 'precious');
    symlinkSync(join(outside, 'victim.img'), join(root, 'link-out.img'));
    mkdirSync(join(nodes, 'a-directory.xml'));
    execFileSync('mkfifo', [join(nodes, 'fifo.xml')]);
    symlinkSync('/etc/hostname', join(nodes, 'link-out.xml'));
    server = await startTestDaemon({ storageRoots: [root], nodeFileRoots: [nodes] });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(top, { recursive: true, force: true });
  });

  describe('node files', () => {
    it('answers a directory in a node-file directory with VIR_ERR_OPEN_FAILED, not an internal error', async () => {
      await expect(connect(server.uri(join(nodes, 'a-directory.xml')))).rejects.toMatchObject({
        code: ErrorNumber.OpenFailed,
        domain: ErrorDomain.Test,
        message: `Failed to open file '${join(nodes, 'a-directory.xml')}': Is a directory`,
      });
    });

    it('never blocks on a FIFO in a node-file directory', async () => {
      await expect(connect(server.uri(join(nodes, 'fifo.xml')))).rejects.toMatchObject({ code: ErrorNumber.OpenFailed });
    });

    it('refuses a symlink in a node-file directory, and paths outside, with 88 whatever exists there', async () => {
      await expect(connect(server.uri(join(nodes, 'link-out.xml')))).rejects.toMatchObject({ code: ErrorNumber.AccessDenied, domain: ErrorDomain.Test });
      const refusals = [];
      for (const path of ['/etc/hostname', '/etc/no-such-file', '/etc', join(outside, 'victim.img'), join(outside, 'nothing.xml')]) {
        refusals.push(
          await connect(server.uri(path)).then(
            () => 'opened',
            (e: { code: number; message: string }) => [e.code, e.message.replace(path, 'P')],
          ),
        );
      }
      expect(new Set(refusals.map((r) => JSON.stringify(r))).size).toBe(1);
      expect(refusals[0]).toEqual([ErrorNumber.AccessDenied, "access denied: path 'P' is not in a directory this daemon serves test configurations from"]);
    });
  });

  describe('the test driver', () => {
    let conn: Connection;
    beforeAll(async () => {
      conn = await connect(server.uri());
    });
    afterAll(async () => conn?.close());

    const refusedDefinitions: Array<[string, (r: string, o: string) => string]> = [
      ['a disk outside the roots', (_r, o) => bootXml('t1', 'test', `${o}/victim.img`, '')],
      ['a disk named through .. out of the root', (r) => bootXml('t2', 'test', `${r}/../outside/victim.img`, '')],
      ['a relative disk path', () => bootXml('t3', 'test', 'victim.img', '')],
      ['a disk on /dev', () => bootXml('t4', 'test', '/dev/sda', '')],
      ['a kernel outside the roots', (r, o) => bootXml('t5', 'test', `${r}/a.img`, `<kernel>${o}/vmlinuz</kernel>`)],
      ['an initrd outside the roots', (r, o) => bootXml('t6', 'test', `${r}/a.img`, `<initrd>${o}/initrd</initrd>`)],
      // (an NVRAM needs a pflash loader: libvirt refuses one without, 'no loader path specified and firmware auto selection disabled')
      [
        'an NVRAM file outside the roots',
        (r, o) => bootXml('t7', 'test', `${r}/a.img`, `<loader readonly='yes' type='pflash'>${r}/code.fd</loader><nvram>${o}/vars.fd</nvram>`),
      ],
      [
        'an NVRAM template outside the roots',
        (r) =>
          bootXml('t8', 'test', `${r}/a.img`, `<loader readonly='yes' type='pflash'>${r}/code.fd</loader><nvram template='/etc/shadow'>${r}/vars.fd</nvram>`),
      ],
      ['a loader outside the roots', (r) => bootXml('t9', 'test', `${r}/a.img`, `<loader>/etc/shadow</loader>`)],
      [
        'a backing image outside the roots',
        (r, o) =>
          `<domain type='test'><name>t10</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='${r}/a.img'/>` +
          `<backingStore type='file'><format type='raw'/><source file='${o}/victim.img'/></backingStore><target dev='vda'/></disk></devices></domain>`,
      ],
      [
        'a serial port file outside the roots',
        (r) =>
          `<domain type='test'><name>t11</name><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file'><source file='${r}/a.img'/><target dev='vda'/></disk>` +
          `<serial type='file'><source path='/etc/cron.d/x'/></serial></devices></domain>`,
      ],
    ];
    for (const [label, make] of refusedDefinitions) {
      it(`refuses to define a domain with ${label} (88)`, async () => {
        const error = await failure(conn.domainDefineXML(make(root, outside)));
        expect(error).toMatchObject({ code: ErrorNumber.AccessDenied, domain: ErrorDomain.Test });
      });
    }

    it('defines a domain whose every path is inside the roots', async () => {
      const dom = await conn.domainDefineXML(bootXml('inside', 'test', `${root}/a.img`, `<kernel>${root}/vmlinuz</kernel>`));
      expect(dom.name).toBe('inside');
    });

    it('refuses a REDEFINE whose snapshot names paths outside the roots', async () => {
      const dom = await conn.domainLookupByName('test');
      const xml = (inner: string) =>
        `<domainsnapshot><name>r</name><state>shutoff</state><creationTime>1</creationTime>${inner}<domain type='test'><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>1024</memory><os><type>hvm</type></os><devices><disk type='file'><source file='/etc/shadow'/><target dev='vda'/></disk></devices></domain></domainsnapshot>`;
      const error = await failure(dom.snapshotCreateXML(xml(''), DomainSnapshotCreateFlags.Redefine));
      expect(error).toMatchObject({ code: ErrorNumber.AccessDenied });
    });
  });
});

describe.skipIf(!hasQemu)('the confinement policy in the qemu driver', () => {
  let top: string;
  let root: string;
  let outside: string;
  let server: TestDaemon;
  let conn: Connection;
  let runtimeDir: string;
  const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'ignore' });
  beforeAll(async () => {
    top = mkdtempSync(join(tmpdir(), 'virtwire-qpolicy-'));
    root = join(top, 'root');
    outside = join(top, 'outside');
    mkdirSync(root, { mode: 0o700 });
    mkdirSync(outside, { mode: 0o700 });
    qemuImg('create', '-q', '-f', 'qcow2', join(outside, 'victim.qcow2'), '16M');
    qemuImg('create', '-q', '-f', 'qcow2', join(root, 'inside.qcow2'), '16M');
    // An image inside the root whose header leads outside it.
    qemuImg('create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', join(outside, 'victim.qcow2'), join(root, 'trap.qcow2'));
    symlinkSync(join(outside, 'victim.qcow2'), join(root, 'link.qcow2'));
    mkdirSync(join(root, 'dir.qcow2'));
    // Roots given to the qemu driver only are vetted and enforced like the daemon's.
    runtimeDir = mkdtempSync(join(tmpdir(), 'vwq-'));
    server = await startTestDaemon({ qemu: { storageRoots: [root], runtimeDir } });
    conn = await connect(server.qemuUri);
  });
  afterAll(async () => {
    await conn?.close();
    await server?.close();
    // Only a daemon without the policy ever starts one of these guests; never leave it running.
    if (runtimeDir) await killGuestsUnder(runtimeDir);
    rmSync(runtimeDir, { recursive: true, force: true });
    rmSync(top, { recursive: true, force: true });
  });

  it('refuses to define a disk outside the roots (88, not 29)', async () => {
    const error = await failure(conn.domainDefineXML(domainXml('out', [{ target: 'vda', path: join(outside, 'victim.qcow2') }])));
    expect(error).toMatchObject({ code: ErrorNumber.AccessDenied, domain: ErrorDomain.Qemu });
  });

  it('refuses to define a CD-ROM outside the roots', async () => {
    const xml = domainXml('cd', [
      { target: 'vda', path: join(root, 'inside.qcow2') },
      { target: 'sda', path: '/etc/hostname', format: 'raw', device: 'cdrom', bus: 'sata', readOnly: true },
    ]);
    expect(await failure(conn.domainDefineXML(xml))).toMatchObject({ code: ErrorNumber.AccessDenied });
  });

  it('refuses to define a kernel or an NVRAM file outside the roots', async () => {
    const loader = `<loader readonly='yes' type='pflash'>${join(root, 'code.fd')}</loader>`;
    for (const os of ['<kernel>/boot/vmlinuz</kernel>', `${loader}<nvram>${outside}/vars.fd</nvram>`]) {
      expect(await failure(conn.domainDefineXML(bootXml('boot', 'qemu', join(root, 'inside.qcow2'), os)))).toMatchObject({ code: ErrorNumber.AccessDenied });
    }
  });

  it('refuses to start a disk whose image header names a backing file outside the roots, before anything opens it', async () => {
    const dom = await conn.domainDefineXML(domainXml('trap', [{ target: 'vda', path: join(root, 'trap.qcow2') }]));
    const error = await failure(dom.create());
    expect(error).toMatchObject({ code: ErrorNumber.AccessDenied, domain: ErrorDomain.Qemu });
    expect(error.message).toContain(join(outside, 'victim.qcow2'));
    expect(await dom.isActive()).toBe(false);
    await dom.undefine();
  });

  it('refuses to start a disk that is a symlink out of the root, or not a regular file', async () => {
    for (const name of ['link.qcow2', 'dir.qcow2']) {
      const dom = await conn.domainDefineXML(domainXml(`bad-${name.split('.')[0]}`, [{ target: 'vda', path: join(root, name) }]));
      expect(await failure(dom.create())).toMatchObject({ code: ErrorNumber.AccessDenied });
      await dom.undefine();
    }
  });

  it("refuses overlays outside the roots, even next to one of the domain's own images (88)", async () => {
    chmodSync(root, 0o700);
    const dom = await conn.domainDefineXML(domainXml('snap', [{ target: 'vda', path: join(root, 'inside.qcow2') }]));
    const xml = `<domainsnapshot><name>s</name><disks><disk name='vda' snapshot='external'><source file='${outside}/s.qcow2'/></disk></disks></domainsnapshot>`;
    expect(await failure(dom.snapshotCreateXML(xml, DomainSnapshotCreateFlags.DiskOnly))).toMatchObject({
      code: ErrorNumber.AccessDenied,
      domain: ErrorDomain.Qemu,
    });
    await dom.undefine();
  });

  it('refuses a REDEFINE that names images outside the roots', async () => {
    const dom = await conn.domainDefineXML(domainXml('redef', [{ target: 'vda', path: join(root, 'inside.qcow2') }]));
    const inner = domainXml('redef', [{ target: 'vda', path: join(outside, 'victim.qcow2') }], { uuid: dom.uuid });
    const xml = `<domainsnapshot><name>r</name><state>shutoff</state><creationTime>1</creationTime>${inner}</domainsnapshot>`;
    expect(await failure(dom.snapshotCreateXML(xml, DomainSnapshotCreateFlags.Redefine))).toMatchObject({ code: ErrorNumber.AccessDenied });
    await dom.undefine();
  });
});

describe("storage roots of the qemu driver are vetted like the daemon's", () => {
  it('refuses a world-writable qemu root at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtwire-ww-'));
    chmodSync(dir, 0o777);
    await expect(startTestDaemon({ qemu: { storageRoots: [dir] } })).rejects.toThrow(/writable by everyone/);
    rmSync(dir, { recursive: true, force: true });
  });
});
