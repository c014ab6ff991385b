// The snapshot sweep's qemu:///session part: libvirt's inputs against a shut-off qemu domain, libvirtd 9.0 beside virtwired.
//
// Only shut-off domains: what is compared is what libvirt decides before QEMU runs (parse, alignment,
// disk-only and external checks, REDEFINE), plus the XML of what it then records. Image paths of the
// inputs (/path/to/..., /tmp/...) are moved into the case's own image directory.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@virtwire/client';
import { startDaemon } from '@virtwire/server';
import { startLibvirtd } from '../../test/conformance/record/libvirt-daemon.mjs';
import { snapshotAfter } from './snapshot-after.mjs';

const NOBODY = 65534;
const FIXED_UUID = '5d3e9a1c-2b4f-4e6a-8c7d-9f0e1a2b3c4d';
/** virDomainSnapshotCreateFlags combinations for a shut-off domain. */
export const QEMU_FLAGS = {
  0: 0,
  REDEFINE: 1,
  'REDEFINE|CURRENT': 3,
  NO_METADATA: 4,
  DISK_ONLY: 16,
  'DISK_ONLY|ATOMIC': 144,
  VALIDATE: 512,
  'REDEFINE|VALIDATE': 513,
};
const DISKS = [
  ['hda', 'ide'],
  ['hdb', 'ide'],
  ['hdc', 'ide'],
  ['vda', 'virtio'],
  ['vdb', 'virtio'],
];

/** The shut-off qemu domain of a case: qcow2 disks in `images`, the uuid of the input's <domain> when it names one. */
export function qemuDomain(images, uuid = FIXED_UUID) {
  const disks = DISKS.map(
    ([dev, bus]) =>
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${images}/${dev}.qcow2'/><target dev='${dev}' bus='${bus}'/></disk>`,
  ).join('');
  return `<domain type='qemu'><name>corpus</name><uuid>${uuid}</uuid><memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>${disks}</devices></domain>`;
}

/** Fresh, empty qcow2 images for a case, writable by the unprivileged libvirtd. */
function freshImages(images) {
  rmSync(images, { recursive: true, force: true });
  mkdirSync(images, { recursive: true });
  chmodSync(images, 0o777);
  for (const [dev] of DISKS) {
    const path = join(images, `${dev}.qcow2`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '16M']);
    if (process.getuid?.() === 0) chownSync(path, NOBODY, NOBODY);
  }
}

/** The case's inputs with their image paths moved into `images` (run-dependent, normalised to @IMAGES@ after). */
const relocate = (xml, images) => xml.replace(/'(?:\/path\/to|\/tmp)\//g, `'${images}/`);

/** Builds the qemu cases of `files` (with `images` standing for the per-side image directory). */
export function qemuCases(files, domainUuid) {
  const cases = [];
  for (const file of files) {
    for (const [flagName, flags] of Object.entries(QEMU_FLAGS)) {
      for (const parent of flags & 1 ? [false, true] : [false]) {
        cases.push({ id: `${file.id} qemu-off${parent ? '+parent' : ''} ${flagName}`, xml: file.xml, uuid: domainUuid(file.xml), flags, parent });
      }
    }
  }
  return cases;
}

const PARENT = '<domainsnapshot><name>earlier_snap</name></domainsnapshot>';

/** Runs the cases through libvirtd's qemu:///session (one python process per case, fresh images each). */
export async function libvirtQemuOutcomes(cases, here) {
  const libvirtd = await startLibvirtd();
  const images = join(libvirtd.dir, 'images');
  const out = new Map();
  try {
    for (const c of cases) {
      freshImages(images);
      const setup = [['define', qemuDomain(images, c.uuid)]];
      if (c.parent) setup.push(['snapshot', 'corpus', PARENT, 0]);
      const input = [
        { id: c.id, uri: libvirtd.uri('qemu', '/session'), setup, domain: 'corpus', xml: relocate(c.xml, images), flags: c.flags, teardown: true },
      ];
      const r = spawnSync('/usr/bin/python3', [join(here, 'snapshot-calls.py')], { input: JSON.stringify(input), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`snapshot-calls.py failed: ${r.stderr}`);
      out.set(c.id, { outcome: JSON.parse(r.stdout)[0], images });
    }
  } finally {
    await libvirtd.stop();
  }
  return out;
}

const errorOf = (e) => (e && typeof e === 'object' && 'code' in e ? { code: e.code, domain: e.domain, message: e.message } : { crash: String(e?.stack ?? e) });
async function attempt(fn) {
  try {
    return { result: await fn() };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

/** Runs the cases through a real virtwired's qemu driver (no storage roots, as libvirt's model). */
export async function virtwireQemuOutcomes(cases) {
  const dir = mkdtempSync('/tmp/vw-corpus-snapq-');
  const socket = join(dir, 'sock');
  const images = join(dir, 'images');
  const runtimeDir = join(dir, 'run');
  mkdirSync(runtimeDir);
  const daemon = await startDaemon({
    listeners: [{ kind: 'unix', path: socket, readOnly: false }],
    stateDir: join(dir, 'state'),
    logLevel: 'silent',
    qemu: { runtimeDir, storageRoots: [] },
  });
  const uri = `qemu+unix:///session?socket=${socket}`;
  const out = new Map();
  try {
    for (const c of cases) {
      freshImages(images);
      const conn = await connect(uri);
      const call = (name, params) => conn.call(name, params);
      let outcome;
      try {
        const dom = await call('DomainDefineXML', { xml: qemuDomain(images, c.uuid), flags: 0 });
        if (c.parent) await call('DomainSnapshotCreateXML', { domain: dom, xml: PARENT, flags: 0 });
        let snap;
        try {
          snap = await call('DomainSnapshotCreateXML', { domain: dom, xml: relocate(c.xml, images), flags: c.flags });
        } catch (e) {
          outcome = { id: c.id, setup: null, create: { error: errorOf(e) } };
        }
        if (snap) {
          const after = await snapshotAfter(call, attempt, dom, snap);
          outcome = { id: c.id, setup: null, create: { result: snap.name }, after };
        }
        for (const name of (await call('DomainListAllSnapshots', { domain: dom, flags: 0 })).names) {
          const s = await call('DomainSnapshotLookupByName', { domain: dom, name, flags: 0 });
          await call('DomainSnapshotDelete', { snapshot: s, flags: 2 }).catch(() => undefined);
        }
        await call('DomainUndefine', { domain: dom, flags: 2 });
      } catch (e) {
        outcome ??= { id: c.id, setup: errorOf(e) };
      } finally {
        await conn.close();
      }
      out.set(c.id, { outcome, images });
    }
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Files left in an image directory (overlays a case created), for the report. */
export const filesIn = (images) => readdirSync(images).sort();
