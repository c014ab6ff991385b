// Opt-in sweep: libvirt 9.0's snapshot XML test inputs through libvirt's test driver and virtwired's, compared.
//
// Usage: npm run build && node scripts/libvirt-corpus/snapshots.mjs [--libvirt-src DIR] [--json PATH] [--qemu] [--only TEXT] [--verbose]
// --no-test-driver leaves the test-driver part out; --qemu also compares libvirtd's qemu:///session (started unprivileged) with virtwired's qemu driver;
// --virsh compares virsh's snapshot-create/-create-as/-current with vwsh's; --probes adds the
// hand-written inputs of snapshot-probes.mjs to libvirt's.
// Without --libvirt-src the libvirt 9.0 tarball is downloaded into .cache/ (gitignored). Nothing
// from libvirt's tree is committed: the inputs are read from it at run time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@virtwire/client';
import { startDaemon } from '@virtwire/server';
import { normalise, uuidsIn } from '../../test/conformance/normalise.js';
import { classify, SUPERSET_REASONS } from './snapshot-classes.mjs';
import { libvirtQemuOutcomes, qemuCases, qemuDomain, virtwireQemuOutcomes } from './snapshot-qemu-sweep.mjs';
import { PROBES } from './snapshot-probes.mjs';
import { classifyTranscript, virshCases, virshOutcomes, vwshOutcomes } from './snapshot-virsh-sweep.mjs';
import { snapshotAfter } from './snapshot-after.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const TARBALL = 'https://deb.debian.org/debian/pool/main/libv/libvirt/libvirt_9.0.0.orig.tar.xz';

function parseArgs(argv) {
  const args = { src: undefined, json: undefined, verbose: false, only: undefined, qemu: false, virsh: false, probes: false, testDriver: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--libvirt-src') args.src = argv[++i];
    else if (argv[i] === '--json') args.json = argv[++i];
    else if (argv[i] === '--verbose') args.verbose = true;
    else if (argv[i] === '--only') args.only = argv[++i];
    else if (argv[i] === '--qemu') args.qemu = true;
    else if (argv[i] === '--virsh') args.virsh = true;
    else if (argv[i] === '--probes') args.probes = true;
    else if (argv[i] === '--no-test-driver') args.testDriver = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

/** libvirt's source tree: the one given, or the release tarball fetched once into .cache/. */
function libvirtSource(given) {
  if (given) return given;
  const cache = join(repo, '.cache');
  const dir = join(cache, 'libvirt-9.0.0');
  if (existsSync(join(dir, 'tests'))) return dir;
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, 'libvirt_9.0.0.orig.tar.xz');
  if (!existsSync(tarball)) run('curl', ['-fsSL', '-o', tarball, TARBALL]);
  run('tar', ['-xJf', tarball, '-C', cache, 'libvirt-9.0.0/tests']);
  return dir;
}

function run(cmd, argv, input) {
  const r = spawnSync(cmd, argv, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Every file under tests/ holding a <domainsnapshot> document (the virsh test scripts excepted); a
 * file naming /dev paths once more with them moved to /vdev (`@nodev`): virtwire refuses /dev, /proc
 * and /sys in any definition (SECURITY.md), and the copy lets the checks after that one be compared.
 */
function corpusFiles(src) {
  const tests = join(src, 'tests');
  const out = [];
  for (const dir of readdirSync(tests, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(tests, dir.name))) {
      if (!file.endsWith('.xml')) continue;
      const text = readFileSync(join(tests, dir.name, file), 'utf8');
      if (!text.includes('<domainsnapshot')) continue;
      out.push({ id: `${dir.name}/${file}`, xml: text });
      if (text.includes("'/dev/")) out.push({ id: `${dir.name}/${file}@nodev`, xml: text.replaceAll("'/dev/", "'/vdev/") });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** A shut-off domain with the disk names libvirt's snapshot inputs use. */
const CORPUS_UUID = '2f0b8d4e-5b7e-4c1a-9a8e-3d1c0b6a7f21';
const disk = (dev, bus) => `<disk type='file' device='disk'><source file='/guest/${dev}.img'/><target dev='${dev}' bus='${bus}'/></disk>`;
const CORPUS_DOMAIN =
  `<domain type='test'><name>corpus</name><uuid>${CORPUS_UUID}</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>` +
  ['hda', 'hdb', 'hdc', 'hdd'].map((d) => disk(d, 'ide')).join('') +
  ['vda', 'vdb'].map((d) => disk(d, 'virtio')).join('') +
  '</devices></domain>';

/** A shut-off domain with the uuid an input's <domain> names (so REDEFINE can succeed), holding 'earlier_snap'. */
const ownerDomain = (uuid) =>
  `<domain type='test'><name>owner</name><uuid>${uuid}</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>` +
  ['hda', 'hdb', 'hdc', 'hdd', 'hde', 'hdf'].map((d) => disk(d, 'ide')).join('') +
  disk('vda', 'virtio') +
  '</devices></domain>';
const domainUuid = (xml) => /<domain\b[^>]*>\s*(?:<[^>]*>[^<]*<\/[^>]*>\s*)*?<uuid>([^<]+)<\/uuid>/.exec(xml)?.[1];

/**
 * Where a snapshot is taken: test:///default's running domain, the same shut off, a shut-off domain
 * with many disks, 'test' holding 'earlier_snap' (the parent the inputs name), and a domain with the
 * input's own uuid holding 'earlier_snap'.
 */
const HOSTS = {
  running: { domain: 'test', setup: [] },
  shutoff: { domain: 'test', setup: [['destroy', 'test']] },
  disks: { domain: 'corpus', setup: [['define', CORPUS_DOMAIN]] },
  // REDEFINE of a child needs its parent: libvirt's inputs name 'earlier_snap'.
  parent: { domain: 'test', setup: [['snapshot', 'test', '<domainsnapshot><name>earlier_snap</name></domainsnapshot>', 0]] },
};

/** virDomainSnapshotCreateFlags combinations (libvirt's values). */
const FLAGS = {
  0: 0,
  REDEFINE: 1,
  'REDEFINE|CURRENT': 3,
  NO_METADATA: 4,
  DISK_ONLY: 16,
  ATOMIC: 128,
  VALIDATE: 512,
  'REDEFINE|VALIDATE': 513,
  'DISK_ONLY|ATOMIC': 144,
};

function buildCases(files) {
  const cases = [];
  for (const file of files) {
    for (const [host, { domain, setup }] of Object.entries(HOSTS)) {
      for (const [flagName, flags] of Object.entries(FLAGS)) {
        if (host === 'parent' && !(flags & 1)) continue;
        cases.push({ id: `${file.id} ${host} ${flagName}`, setup, domain, xml: file.xml, flags });
      }
    }
    const uuid = domainUuid(file.xml);
    if (uuid === undefined) continue;
    const owner = ownerDomain(uuid);
    for (const [flagName, flags] of Object.entries(FLAGS)) {
      const setup = [
        ['define', owner],
        ['snapshot', 'owner', '<domainsnapshot><name>earlier_snap</name></domainsnapshot>', 0],
      ];
      cases.push({ id: `${file.id} owner ${flagName}`, setup, domain: 'owner', xml: file.xml, flags });
    }
  }
  return cases;
}

function libvirtOutcomes(cases) {
  const out = run('/usr/bin/python3', [join(here, 'snapshot-calls.py')], JSON.stringify(cases));
  return new Map(JSON.parse(out).map((o) => [o.id, o]));
}

const errorOf = (e) => {
  if (e && typeof e === 'object' && 'code' in e && 'domain' in e) return { code: e.code, domain: e.domain, message: e.message };
  return { crash: String(e?.stack ?? e) };
};
async function attempt(fn) {
  try {
    return { result: await fn() };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

/** One case against virtwired: the same steps as snapshot-calls.py, through the SDK. */
async function virtwireCase(uri, c) {
  const conn = await connect(uri);
  try {
    const call = (name, params) => conn.call(name, params);
    try {
      for (const [op, ...args] of c.setup) {
        if (op === 'define') await call('DomainDefineXML', { xml: args[0], flags: 0 });
        else if (op === 'destroy') await call('DomainDestroy', { domain: await call('DomainLookupByName', { name: args[0] }), flags: 0 });
        else if (op === 'snapshot')
          await call('DomainSnapshotCreateXML', { domain: await call('DomainLookupByName', { name: args[0] }), xml: args[1], flags: args[2] });
      }
    } catch (e) {
      return { id: c.id, setup: errorOf(e) };
    }
    const dom = await call('DomainLookupByName', { name: c.domain });
    let snap;
    try {
      snap = await call('DomainSnapshotCreateXML', { domain: dom, xml: c.xml, flags: c.flags });
    } catch (e) {
      return { id: c.id, setup: null, create: { error: errorOf(e) } };
    }
    const after = await snapshotAfter(call, attempt, dom, snap);
    return { id: c.id, setup: null, create: { result: snap.name }, after };
  } finally {
    await conn.close();
  }
}

/** Waits until test:///default is pristine again (its host is freed when the last connection closes). */
async function pristine(uri, fingerprint) {
  for (let i = 0; i < 200; i++) {
    const conn = await connect(uri);
    const doms = await conn.call('ConnectListAllDomains', { flags: 0 });
    const snaps = await conn.call('DomainSnapshotNum', { domain: await conn.call('DomainLookupByName', { name: 'test' }), flags: 0 });
    await conn.close();
    const seen = JSON.stringify([doms.map((d) => d.name).sort(), snaps]);
    if (fingerprint.value === undefined) fingerprint.value = seen;
    if (seen === fingerprint.value) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('test:///default did not return to its pristine state');
}

async function virtwireOutcomes(cases) {
  const dir = mkdtempSync(join(tmpdir(), 'vw-corpus-snap-'));
  const socket = join(dir, 'sock');
  const daemon = await startDaemon({ listeners: [{ kind: 'unix', path: socket, readOnly: false }], stateDir: join(dir, 'state'), logLevel: 'silent' });
  const uri = `test+unix:///default?socket=${socket}`;
  const fingerprint = {};
  const out = new Map();
  try {
    for (const c of cases) {
      await pristine(uri, fingerprint);
      try {
        out.set(c.id, await virtwireCase(uri, c));
      } catch (e) {
        out.set(c.id, { id: c.id, crash: String(e?.stack ?? e) });
      }
    }
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** A snapshot's copies of its domain's definition (`<domain type=...>`, `<inactiveDomain>`), each as one block. */
const DOMAIN_BLOCKS = /^ {2}<(domain|inactiveDomain)( [^>]+)>\n[\s\S]*?^ {2}<\/\1>\n/gm;

/**
 * Run-dependent values (creation times, generated names and uuids, image directories) replaced the
 * same way on both sides. The snapshot's copies of the domain definition are set apart (`domains`):
 * how each side formats a domain is the domain model's business, and a case whose only difference
 * is there is classed `domain-model`.
 */
function normalised(outcome, context) {
  const after = outcome?.after;
  if (after) {
    for (const key of ['xml', 'xmlSecure']) {
      const text = after[key]?.result;
      if (typeof text !== 'string') continue;
      after[`${key}Domains`] = text.match(DOMAIN_BLOCKS) ?? [];
      after[key].result = text.replace(DOMAIN_BLOCKS, (_m, name) => `  <${name}>@DOMAIN@</${name}>\n`);
    }
    delete after.domainXml;
    delete after.domainXmlSecure;
  }
  return JSON.parse(normalise(JSON.stringify(outcome ?? null), context));
}

/** Compares each case's two normalised outcomes, tallies the classes and prints the summary line. */
function compare(label, cases, libvirt, virtwire, contextOf, args, classOf = classify) {
  const report = [];
  const tally = {};
  for (const c of cases) {
    const l = normalised(libvirt.get(c.id), contextOf(c, 'libvirt'));
    const v = normalised(virtwire.get(c.id), contextOf(c, 'virtwire'));
    const cls = classOf(l, v, c.xml ?? Object.values(c.files ?? {}).join(''));
    tally[cls] = (tally[cls] ?? 0) + 1;
    report.push({ id: c.id, flags: c.flags, class: cls, libvirt: l, virtwire: v });
    if (args.verbose && cls !== 'identical' && !cls.startsWith('superset'))
      console.log(`${cls}\t${c.id}\n  libvirt:  ${JSON.stringify(l)}\n  virtwire: ${JSON.stringify(v)}`);
  }
  const count = (test) => Object.entries(tally).reduce((n, [k, v]) => (test(k) ? n + v : n), 0);
  const identical = tally.identical ?? 0;
  const superset = count((k) => k.startsWith('superset'));
  const documented = count((k) => k.startsWith('differs-'));
  const domainModel = tally['domain-model'] ?? 0;
  const undocumented = cases.length - identical - superset - documented - domainModel;
  console.log(
    `${label}: ${cases.length} cases, ${identical} identical, ${superset} documented superset, ${documented} documented difference, ` +
      `${domainModel} differ only in the domain copy, ${undocumented} undocumented`,
  );
  for (const [cls, n] of Object.entries(tally).sort()) console.log(`  ${cls}: ${n}`);
  return { tally, cases: report };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const src = libvirtSource(args.src);
  const files = [...corpusFiles(src), ...(args.probes ? PROBES : [])];
  console.log(`${files.length} <domainsnapshot> inputs (${files.filter((f) => f.id.endsWith('@nodev')).length} of them /dev-free copies)`);
  let cases = buildCases(files);
  if (args.only) cases = cases.filter((c) => c.id.includes(args.only));
  const testContext = (c) => ({ stableUuids: uuidsIn(c.xml, CORPUS_DOMAIN, '6695eb01-f6a4-8304-79aa-97f2502e193f') });
  const result = { src, supersetReasons: SUPERSET_REASONS.map(String) };
  if (args.testDriver) result.test = compare('test driver', cases, libvirtOutcomes(cases), await virtwireOutcomes(cases), testContext, args);
  if (args.qemu) {
    let qcases = qemuCases(files, domainUuid);
    if (args.only) qcases = qcases.filter((c) => c.id.includes(args.only));
    const libvirt = await libvirtQemuOutcomes(qcases, here);
    const virtwire = await virtwireQemuOutcomes(qcases);
    const unwrap = (m) => new Map([...m].map(([id, { outcome }]) => [id, outcome]));
    const images = { libvirt: [...libvirt.values()][0]?.images, virtwire: [...virtwire.values()][0]?.images };
    const qemuContext = (c, side) => ({ paths: { [images[side]]: '@IMAGES@' }, stableUuids: uuidsIn(c.xml, qemuDomain('/x', c.uuid)) });
    result.qemu = compare('qemu:///session, shut-off domain', qcases, unwrap(libvirt), unwrap(virtwire), qemuContext, args);
  }
  if (args.virsh) {
    let vcases = virshCases(files);
    if (args.only) vcases = vcases.filter((c) => c.id.includes(args.only));
    const virsh = virshOutcomes(vcases);
    const vwsh = await vwshOutcomes(vcases);
    const unwrap = (m) => new Map([...m].map(([id, { outcome }]) => [id, outcome]));
    const dirs = { virsh: [...virsh.values()][0]?.dir, vwsh: [...vwsh.values()][0]?.dir };
    const virshContext = (c, side) => ({
      paths: { [dirs[side === 'libvirt' ? 'virsh' : 'vwsh']]: '@FILES@' },
      stableUuids: uuidsIn(...Object.values(c.files), '6695eb01-f6a4-8304-79aa-97f2502e193f'),
    });
    result.virsh = compare('virsh/vwsh', vcases, unwrap(virsh), unwrap(vwsh), virshContext, args, classifyTranscript);
  }
  if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 1));
}

await main();
