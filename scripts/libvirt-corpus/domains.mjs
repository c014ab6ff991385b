// Opt-in sweep: every <domain> XML of libvirt 9.0's test data, defined on libvirt's test driver and on virtwired's, compared by class.
//
// Usage: node scripts/libvirt-corpus/domains.mjs [--libvirt-src DIR] [--json PATH] [--only SUBSTRING] [--examples N] [--qemu]
// --qemu: libvirtd's qemu:///session against virtwired's qemu driver instead (domains-qemu.mjs).
// Needs `npm run build` first, and /usr/bin/python3 with python3-libvirt. Without --libvirt-src the
// libvirt 9.0 sources are downloaded once into .cache/libvirt-9.0.0 (gitignored).
import { connect } from '@virtwire/client';
import { VirError } from '@virtwire/protocol';
import { DomainDefinition, TEST_DRIVER_DEFAULTS } from '@virtwire/protocol/xml';
import { startDaemon } from '@virtwire/server';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { qemuMain } from './domains-qemu.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TARBALL = 'https://deb.debian.org/debian/pool/main/libv/libvirt/libvirt_9.0.0.orig.tar.xz';
/** libvirt's test-data directories holding QEMU and generic domain XML (other hypervisors' are skipped). */
const DIRECTORIES = [
  'qemuxml2argvdata',
  'qemuxml2xmloutdata',
  'genericxml2xmlindata',
  'genericxml2xmloutdata',
  'qemustatusxml2xmldata',
  'qemuhotplugtestdomains',
  'domainschemadata',
];
/** virDomainXMLFlags: what each getXMLDesc variant is called in the report. */
const XML_FLAGS = { 0: 'flags 0', 2: 'INACTIVE', 1: 'SECURE' };

const { values: args } = parseArgs({
  options: {
    'libvirt-src': { type: 'string' },
    json: { type: 'string' },
    only: { type: 'string' },
    examples: { type: 'string', default: '2' },
    qemu: { type: 'boolean', default: false },
  },
});

/** The libvirt source tree: the one given, else a cached download of Debian's orig tarball. */
function libvirtSource() {
  if (args['libvirt-src']) return args['libvirt-src'];
  const cache = join(REPO, '.cache');
  const dir = join(cache, 'libvirt-9.0.0');
  if (!existsSync(join(dir, 'tests'))) {
    mkdirSync(cache, { recursive: true });
    const tarball = join(cache, 'libvirt_9.0.0.orig.tar.xz');
    if (!existsSync(tarball)) execFileSync('curl', ['-fsSL', '-o', tarball, TARBALL], { stdio: 'inherit' });
    execFileSync('tar', ['-xJf', tarball, '-C', cache, 'libvirt-9.0.0/tests'], { stdio: 'inherit' });
  }
  return dir;
}

/** Every file of the directories whose text holds a `<domain` element, as libvirt's test data names them. */
function corpusFiles(src) {
  const files = [];
  for (const dir of DIRECTORIES) {
    const path = join(src, 'tests', dir);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path).sort()) {
      if (!name.endsWith('.xml')) continue;
      const file = join(path, name);
      if (args.only && !file.includes(args.only)) continue;
      if (/<domain[ >]/.test(readFileSync(file, 'utf8'))) files.push({ file, id: `${dir}/${name}` });
    }
  }
  return files;
}

/** A message with numbers, quoted values and paths generalised, so that one class covers many files. */
function template(message) {
  return message
    .replace(/'[^']*'/g, "'…'")
    .replace(/\b0x[0-9a-f]+\b/gi, 'N')
    .replace(/\d+/g, 'N')
    .replace(/\n[\s\S]*$/, '')
    .slice(0, 140);
}

const errorOf = (e) =>
  e instanceof VirError || (e && typeof e.code === 'number')
    ? { code: e.code, domain: e.domain, message: e.message }
    : { code: -1, domain: -1, message: `${e?.constructor?.name}: ${e?.message}` };

/** Step 1: the protocol's model alone, with the test driver's defaults: anything but a VirError is a crash. */
function inProcess(text) {
  const started = performance.now();
  try {
    for (const validate of [false, true]) {
      const definition = DomainDefinition.parse(text, { generateUuid: () => '00000000-0000-4000-8000-000000000000', defaults: TEST_DRIVER_DEFAULTS, validate });
      definition.format({ secure: true });
      DomainDefinition.parse(definition.format({ secure: true }), { defaults: TEST_DRIVER_DEFAULTS });
    }
    return { ok: true, ms: performance.now() - started };
  } catch (e) {
    const crash = !(e instanceof VirError);
    return { ok: false, crash, error: errorOf(e), ms: performance.now() - started };
  }
}

/** Step 2, libvirt: every file through libvirt-domains.py, one JSON line each. */
async function libvirtRecords(files) {
  const child = spawn('/usr/bin/python3', [fileURLToPath(new URL('./libvirt-domains.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(files.map((f) => f.file)));
  let out = '';
  for await (const chunk of child.stdout) out += chunk;
  const records = new Map();
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line);
    records.set(record.file, record);
  }
  return records;
}

/** Step 2, virtwire: a real virtwired (own state directory, a unix socket), each file defined over the SDK, formatted, undefined. */
async function virtwireRecords(files) {
  const dir = mkdtempSync(join(tmpdir(), 'vw-corpus-domains-'));
  const socket = join(dir, 'sock');
  const daemon = await startDaemon({ listeners: [{ kind: 'unix', path: socket, readOnly: false }], stateDir: join(dir, 'state'), logLevel: 'silent' });
  const records = new Map();
  try {
    const conn = await connect(`test+unix:///default?socket=${socket}`);
    for (const { file } of files) {
      const text = readFileSync(file, 'utf8');
      const record = { file };
      try {
        const domain = await conn.domainDefineXML(text, 0);
        record.ok = true;
        record.xml = {};
        for (const flags of Object.keys(XML_FLAGS)) record.xml[flags] = await domain.getXMLDesc(Number(flags));
        await domain.undefine();
      } catch (e) {
        record.ok = false;
        record.error = errorOf(e);
      }
      records.set(file, record);
    }
    await conn.close();
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return records;
}

/** Output values that are generated (uuid when the input has none, the ID of an empty <genid>, MAC addresses it does not name) replaced by placeholders. */
function normalise(xml, input) {
  let out = xml;
  if (!/<uuid>/.test(input)) out = out.replace(/<uuid>[^<]*<\/uuid>/, '<uuid>@UUID@</uuid>');
  if (/<genid\s*(\/>|><\/genid>)/.test(input)) out = out.replace(/<genid>[^<]*<\/genid>/, '<genid>@GENID@</genid>');
  out = out.replace(/<mac address='([^']*)'/g, (m, mac) => (input.toLowerCase().includes(mac.toLowerCase()) ? m : "<mac address='@MAC@'"));
  return out;
}

/** The element path of line `index` of libvirt-formatted XML (`domain/devices/disk/driver`). */
function pathAt(lines, index) {
  const stack = [];
  for (let i = 0; i < index && i < lines.length; i++) {
    const line = lines[i].trim();
    const open = /^<([\w:.-]+)[^>]*?(\/?)>(.*)$/.exec(line);
    if (line.startsWith('</')) stack.pop();
    else if (open && open[2] !== '/' && !open[3].includes('</')) stack.push(open[1]);
  }
  const own = /^<\/?([\w:.-]+)/.exec((lines[index] ?? '').trim())?.[1] ?? '(end)';
  return [...stack, own].join('/');
}

/** The first difference of two formatted documents: the element path where they part, and both lines. */
function firstDifference(expected, actual) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return undefined;
  const pathA = pathAt(a, i);
  const pathB = pathAt(b, i);
  return { path: pathA === pathB ? pathA : `${pathA} | virtwire ${pathB}`, libvirt: a[i]?.trim() ?? '', virtwire: b[i]?.trim() ?? '', line: i + 1 };
}

/** The class of one file's outcome and its detail. */
function classify(input, lv, vw) {
  if (!lv || !vw) return { cls: 'missing record', detail: {} };
  const sameError = (x, y) => x.code === y.code && x.domain === y.domain && x.message === y.message;
  if (vw.ok === false && (vw.error.code === -1 || vw.error.code === 1) && !(lv.ok === false && sameError(lv.error, vw.error)))
    return { cls: `virtwire internal error: ${template(vw.error.message)}`, detail: { libvirt: lv.error ?? 'accepted', virtwire: vw.error } };
  if (lv.ok && !vw.ok) return { cls: `libvirt accepts, virtwire rejects: ${vw.error.code} ${template(vw.error.message)}`, detail: { virtwire: vw.error } };
  if (!lv.ok && vw.ok) return { cls: `libvirt rejects, virtwire accepts: ${lv.error.code} ${template(lv.error.message)}`, detail: { libvirt: lv.error } };
  if (!lv.ok && !vw.ok) {
    if (sameError(lv.error, vw.error)) return { cls: 'identical (both reject)', detail: {} };
    const what = lv.error.code !== vw.error.code ? 'code' : lv.error.domain !== vw.error.domain ? 'domain' : 'message';
    return { cls: `both reject, different ${what}: libvirt ${lv.error.code} ${template(lv.error.message)}`, detail: { libvirt: lv.error, virtwire: vw.error } };
  }
  for (const [flags, name] of Object.entries(XML_FLAGS)) {
    const diff = firstDifference(normalise(lv.xml[flags], input), normalise(vw.xml[flags], input));
    if (diff) return { cls: `format (${name}): ${diff.path}`, detail: { flags: Number(flags), ...diff } };
  }
  return { cls: 'identical (both accept)', detail: {} };
}

async function main() {
  const src = libvirtSource();
  const files = corpusFiles(src);
  console.log(`libvirt-corpus domains: ${files.length} inputs from ${src}/tests`);
  if (args.qemu) return qemuMain(files, { classify, errorOf, examples: Number(args.examples), json: args.json });

  const stage1 = new Map();
  for (const { file } of files) stage1.set(file, inProcess(readFileSync(file, 'utf8')));
  const crashes = [...stage1.entries()].filter(([, r]) => r.crash);
  const slow = [...stage1.entries()].filter(([, r]) => r.ms > 1000);
  console.log(`in-process: ${crashes.length} crashes, ${slow.length} over 1 s`);
  for (const [file, r] of crashes) console.log(`  CRASH ${file}: ${r.error.message}`);

  const libvirt = await libvirtRecords(files);
  const virtwire = await virtwireRecords(files);
  const classes = new Map();
  const report = [];
  for (const { file, id } of files) {
    const input = readFileSync(file, 'utf8');
    const { cls, detail } = classify(input, libvirt.get(file), virtwire.get(file));
    const entry = classes.get(cls) ?? { count: 0, files: [] };
    entry.count++;
    entry.files.push({ id, ...detail });
    classes.set(cls, entry);
    report.push({ id, class: cls, inProcess: stage1.get(file), libvirt: libvirt.get(file), virtwire: virtwire.get(file) });
  }

  const identical = (classes.get('identical (both accept)')?.count ?? 0) + (classes.get('identical (both reject)')?.count ?? 0);
  const group = (prefix) => [...classes.entries()].filter(([c]) => c.startsWith(prefix)).reduce((n, [, e]) => n + e.count, 0);
  console.log(
    `${files.length} inputs, ${identical} identical (${classes.get('identical (both accept)')?.count ?? 0} accepted, ${classes.get('identical (both reject)')?.count ?? 0} rejected), ${files.length - identical} differ: ` +
      `${group('virtwire internal')} internal error, ${group('libvirt accepts')} valid rejected, ${group('libvirt rejects')} invalid accepted, ` +
      `${group('both reject')} different error, ${group('format')} format`,
  );
  const examples = Number(args.examples);
  for (const [cls, entry] of [...classes.entries()].sort((a, b) => b[1].count - a[1].count)) {
    if (cls.startsWith('identical')) continue;
    console.log(`${String(entry.count).padStart(5)}  ${cls}`);
    for (const example of entry.files.slice(0, examples)) {
      const { id, ...detail } = example;
      console.log(`         ${id}: ${JSON.stringify(detail)}`.slice(0, 400));
    }
  }
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ inputs: files.length, identical, classes: Object.fromEntries(classes), files: report }, null, 1));
    console.log(`report written to ${args.json}`);
  }
}

await main();
