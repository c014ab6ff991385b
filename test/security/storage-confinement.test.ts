// Client-named paths: confinement to storage roots on the real filesystem, exclusive 0600 creation, and node-file roots.
import { connect, ErrorDomain, ErrorNumber, VirError } from '@virtwire/client';
import { chmodSync, linkSync, lstatSync, mkdirSync, renameSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkLexicalConfinement,
  confinePath,
  PathConfinementError,
  resolveStorageRoots,
  type ConfinementProblem,
  type StorageRoot,
} from '@virtwire/server/testing';
import { reserveFile as reserveConfinedFile, unlinkReservedFile } from '@virtwire/server/qemu-engine';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

function problemOf(run: () => unknown): ConfinementProblem | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof PathConfinementError) return error.problem;
    throw error;
  }
}

/** What the qemu driver does with a client-named new file: confine the path, then create it exclusively. */
const reserveFile = async (path: string, roots: readonly StorageRoot[]) => reserveConfinedFile(confinePath(path, roots));
const releaseReservedFile = unlinkReservedFile;

describe('confinePath and reserveFile', () => {
  let top: string;
  let root: string;
  let roots: StorageRoot[];
  beforeAll(() => {
    top = mkdtempSync(join(tmpdir(), 'virtwire-confine-'));
    root = join(top, 'root');
    mkdirSync(join(root, 'sub'), { recursive: true, mode: 0o700 });
    mkdirSync(join(top, 'outside'), { mode: 0o700 });
    writeFileSync(join(top, 'outside', 'victim'), 'precious');
    symlinkSync(join(top, 'outside'), join(root, 'escape'));
    symlinkSync(join(root, 'sub'), join(root, 'inner-link'));
    symlinkSync(join(top, 'outside', 'victim'), join(root, 'link-to-victim'));
    symlinkSync(join(top, 'outside', 'nothing-yet'), join(root, 'dangling'));
    symlinkSync(root, join(top, 'root-alias'));
    roots = resolveStorageRoots([join(top, 'root-alias')], () => undefined);
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('resolves roots once and accepts paths under the root as given and as resolved', () => {
    expect(roots).toEqual([{ given: join(top, 'root-alias'), real: root }]);
    expect(confinePath(join(top, 'root-alias', 'a.qcow2'), roots)).toBe(join(root, 'a.qcow2'));
    expect(confinePath(join(root, 'sub', 'b.qcow2'), roots)).toBe(join(root, 'sub', 'b.qcow2'));
  });

  const cases: Array<[string, (t: string, r: string) => string, ConfinementProblem]> = [
    ['a relative path', () => 'images/a.qcow2', 'not-absolute'],
    ['.. traversal', (_t, r) => `${r}/sub/../../outside/x`, 'not-normalized'],
    ['a trailing ..', (_t, r) => `${r}/..`, 'not-normalized'],
    ['a doubled slash', (_t, r) => `${r}//x`, 'not-normalized'],
    ['a dot component', (_t, r) => `${r}/./x`, 'not-normalized'],
    ['a trailing slash', (_t, r) => `${r}/x/`, 'not-normalized'],
    ['a newline', (_t, r) => `${r}/x\ny`, 'control-character'],
    ['a NUL byte', (_t, r) => `${r}/x\u0000.qcow2`, 'control-character'],
    ['a very long path', (_t, r) => `${r}/${'a'.repeat(5000)}`, 'too-long'],
    ['/dev/sda', () => '/dev/sda', 'special-filesystem'],
    ['/proc/self/mem', () => '/proc/self/mem', 'special-filesystem'],
    ['/sys/kernel/x', () => '/sys/kernel/x', 'special-filesystem'],
    ['a sibling directory whose name extends the root', (t) => `${t}/root-aliasX/a`, 'outside-roots'],
    ['/etc/passwd', () => '/etc/passwd', 'outside-roots'],
    ['the root itself', (t) => `${t}/root-alias`, 'outside-roots'],
    ['a parent that does not exist', (_t, r) => `${r}/missing/a.qcow2`, 'parent-missing'],
    ['a parent that is a file', (_t, r) => `${r}/link-to-victim/a`, 'parent-missing'],
    ['a symlinked parent escaping the root', (_t, r) => `${r}/escape/a.qcow2`, 'symlinked-parent'],
    ['a symlinked parent staying inside the root', (_t, r) => `${r}/inner-link/a.qcow2`, 'symlinked-parent'],
    ['a final component that is a symlink', (_t, r) => `${r}/link-to-victim`, 'symlink'],
    ['a dangling symlink', (_t, r) => `${r}/dangling`, 'symlink'],
  ];
  for (const [label, make, problem] of cases) {
    it(`refuses ${label} (${problem})`, () => {
      expect(problemOf(() => confinePath(make(top, root), roots))).toBe(problem);
    });
  }

  it('creates a reserved file exclusively, 0600 whatever the umask, and releases only that inode', async () => {
    const previous = process.umask(0);
    try {
      const file = await reserveFile(join(root, 'sub', 'new.qcow2'), roots);
      expect(lstatSync(file.path).mode & 0o777).toBe(0o600);
      await expect(reserveFile(join(root, 'sub', 'new.qcow2'), roots)).rejects.toMatchObject({ code: 'EEXIST' });
      linkSync(file.path, join(root, 'keep-inode'));
      writeFileSync(join(root, 'replacement'), 'someone else');
      renameSync(join(root, 'replacement'), file.path);
      expect(await releaseReservedFile(file)).toBe('replaced-kept');
      expect(readFileSync(file.path, 'utf8')).toBe('someone else');
      rmSync(file.path);
      rmSync(join(root, 'keep-inode'));
      const again = await reserveFile(join(root, 'sub', 'new.qcow2'), roots);
      expect(await releaseReservedFile(again)).toBe('removed');
      expect(await releaseReservedFile(again)).toBe('already-gone');
    } finally {
      process.umask(previous);
    }
  });

  it('never writes through a symlink: the victim outside the root is untouched', async () => {
    await expect(reserveFile(join(root, 'link-to-victim'), roots)).rejects.toBeInstanceOf(PathConfinementError);
    await expect(reserveFile(join(root, 'escape', 'victim'), roots)).rejects.toBeInstanceOf(PathConfinementError);
    expect(readFileSync(join(top, 'outside', 'victim'), 'utf8')).toBe('precious');
    expect(readdirSync(join(top, 'outside'))).toEqual(['victim']);
  });

  it('refuses roots that are missing, relative, /, special, or writable by everyone', () => {
    const world = join(top, 'world');
    mkdirSync(world);
    chmodSync(world, 0o777);
    expect(() => resolveStorageRoots([join(top, 'nope')], () => undefined)).toThrow();
    expect(() => resolveStorageRoots(['relative'], () => undefined)).toThrow(/absolute/);
    expect(() => resolveStorageRoots(['/'], () => undefined)).toThrow(/not allowed/);
    expect(() => resolveStorageRoots(['/proc'], () => undefined)).toThrow(/not allowed/);
    expect(() => resolveStorageRoots([world], () => undefined)).toThrow(/writable by everyone/);
  });

  it('confines lexically for simulated storage', () => {
    expect(problemOf(() => checkLexicalConfinement('/images/a.qcow2', ['/images']))).toBe('accepted');
    expect(problemOf(() => checkLexicalConfinement('/images2/a.qcow2', ['/images']))).toBe('outside-roots');
    expect(problemOf(() => checkLexicalConfinement('/images/../etc/a', ['/images']))).toBe('not-normalized');
  });
});

describe('the test driver with storage roots', () => {
  let top: string;
  let server: TestDaemon;
  let nodeFile: string;
  beforeAll(async () => {
    top = mkdtempSync(join(tmpdir(), 'virtwire-roots-'));
    const root = join(top, 'images');
    const nodes = join(top, 'nodes');
    mkdirSync(root, { mode: 0o700 });
    mkdirSync(nodes, { mode: 0o700 });
    mkdirSync(join(top, 'outside'), { mode: 0o700 });
    symlinkSync(join(top, 'outside'), join(root, 'escape'));
    nodeFile = join(nodes, 'node.xml');
    writeFileSync(
      nodeFile,
      `<node xmlns:vw='https://virtwire.dev/schemas/test-storage/1'>
  <domain type='test'><name>vm</name><memory>1024</memory><os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${root}/a.qcow2'/><target dev='vda'/></disk>
      <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${root}/b.qcow2'/><target dev='vdb'/></disk>
    </devices>
  </domain>
  <vw:storage><vw:image path='${root}/a.qcow2' size='1000' format='qcow2'/><vw:image path='${root}/b.qcow2' size='1000' format='qcow2'/></vw:storage>
</node>`,
    );
    symlinkSync('/etc/hostname', join(nodes, 'escaping-node.xml'));
    server = await startTestDaemon({ storageRoots: [root], nodeFileRoots: [nodes] });
  });
  afterAll(async () => {
    await server.close();
    rmSync(top, { recursive: true, force: true });
  });

  const snapshotXml = (a: string, b: string) =>
    `<domainsnapshot><name>s</name><disks><disk name='vda' snapshot='external'><source file='${a}'/></disk>` +
    `<disk name='vdb' snapshot='external'><source file='${b}'/></disk></disks></domainsnapshot>`;

  for (const [label, target] of [
    ['a symlinked parent', (t: string) => `${t}/images/escape/b.ovl`],
    ['a path outside the roots', (t: string) => `${t}/outside/b.ovl`],
    ['/dev/sdb', () => '/dev/sdb'],
  ] as const) {
    it(`refuses an overlay at ${label} with VIR_ERR_ACCESS_DENIED and changes nothing, even without ATOMIC`, async () => {
      const conn = await connect(server.uri(nodeFile, 'atomic=none'));
      const dom = await conn.domainLookupByName('vm');
      await dom.resume().catch(() => undefined);
      const before = await dom.getXMLDesc();
      const error = await dom.snapshotCreateXML(snapshotXml(`${top}/images/a.ovl`, target(top)), 16).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(VirError.is(error)).toBe(true);
      const v = error as VirError;
      expect(v.code).toBe(ErrorNumber.AccessDenied);
      expect(v.domain).toBe(ErrorDomain.Test);
      expect(v.message).toMatch(
        /^access denied: path '.*' (has a symbolic link among its parent directories|is outside the storage roots of this daemon|is on a special filesystem \(\/dev, \/proc, \/sys\))$/,
      );
      expect(await dom.getXMLDesc()).toBe(before);
      expect(await dom.snapshotNum()).toBe(0);
      expect(readdirSync(join(top, 'outside'))).toEqual([]);
      await conn.close();
    });
  }

  it('accepts overlays inside the root', async () => {
    const conn = await connect(server.uri(nodeFile));
    const dom = await conn.domainLookupByName('vm');
    const snap = await dom.snapshotCreateXML(snapshotXml(`${top}/images/a.ovl`, `${top}/images/b.ovl`), 16);
    expect(snap.name).toBe('s');
    await conn.close();
  });

  it('applies <vw:root> from a node file to its simulated images, by name', async () => {
    const lexical = join(top, 'nodes', 'lexical.xml');
    writeFileSync(
      lexical,
      readFileSync(nodeFile, 'utf8').replaceAll(`${top}/images/`, '/images/').replace('<vw:storage>', "<vw:storage><vw:root path='/images'/>"),
    );
    const plain = await startTestDaemon({ nodeFileRoots: [join(top, 'nodes')] });
    const conn = await connect(plain.uri(lexical));
    const dom = await conn.domainLookupByName('vm');
    const outside = await dom.snapshotCreateXML(snapshotXml('/images/a.ovl', '/elsewhere/b.ovl'), 16).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(outside).toMatchObject({
      code: ErrorNumber.AccessDenied,
      message: "access denied: path '/elsewhere/b.ovl' is outside the storage roots of this daemon",
    });
    const traversal = await dom.snapshotCreateXML(snapshotXml('/images/a.ovl', '/images/../b.ovl'), 16).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(traversal).toMatchObject({ code: ErrorNumber.AccessDenied });
    expect(await dom.snapshotCreateXML(snapshotXml('/images/a.ovl', '/images/b.ovl'), 16)).toMatchObject({ name: 's' });
    await conn.close();
    await plain.close();
  });

  it('reads node files only from the configured directories, never through a symlink or a .. component', async () => {
    const escaping = connect(server.uri(join(top, 'nodes', 'escaping-node.xml')));
    await expect(escaping).rejects.toMatchObject({ code: ErrorNumber.AccessDenied, domain: ErrorDomain.Test });
    await expect(connect(server.uri('/etc/hostname'))).rejects.toMatchObject({ code: ErrorNumber.AccessDenied });
    await expect(connect(server.uri(`${top}/nodes/../nodes/node.xml`))).rejects.toMatchObject({ code: ErrorNumber.AccessDenied });
    await expect(connect(server.uri(`${top}/nodes/node.xml`))).resolves.toBeDefined();
  });
});
