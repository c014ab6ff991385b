// A storage tree full of traps for the hostile XML corpus: a root, a directory outside it, symlinks out of and within it.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The tree, the node file over it, and the placeholders XML cases use. */
export interface HostileStorage {
  top: string;
  /** The only storage root. */
  root: string;
  nodeDir: string;
  nodeFile: string;
  /** `{{root}}`, `{{outside}}`, `{{escape}}` (link in the root to outside), `{{inner}}` (link in the root to `sub`), `{{nodes}}`. */
  vars: Record<string, string>;
  /** Every path under `top`, sorted, with symlinks listed as links: to prove that nothing was created. */
  listing(): string[];
  remove(): void;
}

/** Two domains over images in the root: `vm` (running, vda and vdb) and `off` (shut off, vda and vdb). */
function nodeXml(root: string): string {
  const disk = (file: string, dev: string) =>
    `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${root}/${file}'/><target dev='${dev}' bus='virtio'/></disk>`;
  const domain = (name: string, uuid: string, extra = '') =>
    `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory unit='KiB'>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>` +
    `<devices>${disk(`${name}-a.qcow2`, 'vda')}${disk(`${name}-b.qcow2`, 'vdb')}</devices>${extra}</domain>`;
  const image = (file: string) => `<vw:image path='${root}/${file}' size='1073741824' format='qcow2'/>`;
  return `<node xmlns:vw='https://virtwire.dev/schemas/test-storage/1' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
${domain('vm', '3c1d9a52-7f4e-4b8a-9c6d-2e5f8a1b3c4d')}
${domain('off', '5e7f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b', '<test:runstate>5</test:runstate>')}
<vw:storage>${['vm-a.qcow2', 'vm-b.qcow2', 'off-a.qcow2', 'off-b.qcow2'].map(image).join('')}</vw:storage>
</node>
`;
}

function walk(dir: string, into: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    into.push(entry.isSymbolicLink() ? `${path} -> link` : entry.isDirectory() ? `${path}/` : path);
    if (entry.isDirectory()) walk(path, into);
  }
}

export function prepareHostileStorage(): HostileStorage {
  const top = mkdtempSync(join(tmpdir(), 'virtwire-hostile-'));
  const root = join(top, 'images');
  const outside = join(top, 'outside');
  const nodeDir = join(top, 'nodes');
  for (const dir of [root, join(root, 'sub'), outside, nodeDir]) mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(outside, 'victim'), 'precious');
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(root, 'sub'), join(root, 'inner'));
  symlinkSync(join(outside, 'victim'), join(root, 'victim-link'));
  const nodeFile = join(nodeDir, 'node.xml');
  writeFileSync(nodeFile, nodeXml(root));
  return {
    top,
    root,
    nodeDir,
    nodeFile,
    vars: { root, outside, escape: join(root, 'escape'), inner: join(root, 'inner'), nodes: nodeDir },
    listing() {
      const all: string[] = [];
      walk(top, all);
      return all.sort();
    },
    remove: () => rmSync(top, { recursive: true, force: true }),
  };
}
