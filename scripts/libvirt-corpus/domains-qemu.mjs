// The domain sweep's --qemu mode: each <domain> file defined on libvirtd 9.0's qemu:///session (started unprivileged) and on virtwired's qemu driver.
//
// Records have the shape of domains.mjs's (file, ok, xml by flags 0/INACTIVE/SECURE, or error), so its
// classes apply. Two documented refusals are counted apart: the qemu driver runs a subset
// (docs/qemu-driver.md) and refuses everything else with VIR_ERR_CONFIG_UNSUPPORTED in VIR_FROM_QEMU
// (`outside the driver's subset`), and no definition may name /dev, /proc or /sys (SECURITY.md).
// libvirtd gets the kvm group where the machine has /dev/kvm (it runs type='kvm' domains as a user in that
// group does); where it cannot open /dev/kvm, virtwired is given no KVM device either, so both hosts are alike.
// A definition for an architecture whose emulator this host lacks is counted apart too (`foreign architecture`):
// libvirt stops at the missing emulator before validating anything, so there is nothing to compare.
import { connect } from '@virtwire/client';
import { startDaemon } from '@virtwire/server';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLibvirtd } from '../../test/conformance/record/libvirt-daemon.mjs';

/** virDomainXMLFlags the records hold (as domains.mjs). */
const FLAGS = [0, 2, 1];
/** VIR_ERR_CONFIG_UNSUPPORTED (67) in VIR_FROM_QEMU (10): the driver's refusal of what it does not run. */
const outsideSubset = (error) => error?.code === 67 && error?.domain === 10;

/**
 * libvirt's refusal of a definition whose emulator this host lacks (qemu-system-ppc64, -s390x, -aarch64...):
 * its post-parse looks the emulator up before any validation, so libvirt says nothing about the rest of the
 * definition; virtwired, which runs x86_64 only, refuses it either as outside its subset or by an
 * earlier check, and neither can be compared with libvirt on this host.
 */
const noEmulator = (error) => error.code === 38 && error.domain === 10 && /^Cannot check QEMU binary \S+: No such file or directory$/.test(error.message);

/** Each daemon's NVRAM directory in a record's XML written as @NVRAM_DIR@: the file names are compared, not where each daemon keeps them. */
function sameNvramDir(record, dir) {
  for (const flags of Object.keys(record.xml ?? {})) record.xml[flags] = record.xml[flags].replaceAll(`>${dir}/`, '>@NVRAM_DIR@/');
}

/**
 * libvirt's side: libvirt-domains.py against libvirtd's qemu:///session, started with access to
 * /dev/kvm where the machine has it. Resolves to the records and whether libvirtd had KVM.
 */
async function libvirtRecords(files) {
  const libvirtd = await startLibvirtd({ kvm: true });
  try {
    const script = fileURLToPath(new URL('./libvirt-domains.py', import.meta.url));
    const child = spawn('/usr/bin/python3', [script, libvirtd.uri('qemu', '/session')], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify(files.map((f) => f.file)));
    let out = '';
    for await (const chunk of child.stdout) out += chunk;
    const records = new Map();
    for (const line of out.split('\n')) if (line.trim() !== '') records.set(JSON.parse(line).file, JSON.parse(line));
    // the NVRAM path libvirt writes at define is under its own nvram directory ($XDG_CONFIG_HOME/libvirt/qemu/nvram)
    for (const record of records.values()) sameNvramDir(record, join(libvirtd.dir, 'daemon', 'config', 'libvirt', 'qemu', 'nvram'));
    return { records, kvm: libvirtd.kvmAccess };
  } finally {
    await libvirtd.stop();
  }
}

/**
 * virtwire's side: a real virtwired with the qemu driver (no storage roots: path syntax only, as libvirt's model), over its unix socket.
 * `kvm: false` (libvirtd had no /dev/kvm) points the driver's KVM device at a path that does not exist, so both hosts offer the same virt types.
 */
async function virtwireRecords(files, errorOf, { kvm }) {
  const dir = mkdtempSync(join(tmpdir(), 'vw-corpus-domq-'));
  const socket = join(dir, 'sock');
  mkdirSync(join(dir, 'run'));
  const daemon = await startDaemon({
    listeners: [{ kind: 'unix', path: socket, readOnly: false }],
    stateDir: join(dir, 'state'),
    logLevel: 'silent',
    qemu: { runtimeDir: join(dir, 'run'), storageRoots: [], ...(kvm ? {} : { kvmDevice: join(dir, 'no-kvm') }) },
  });
  const records = new Map();
  try {
    let conn = await connect(`qemu+unix:///session?socket=${socket}`);
    for (const { file } of files) {
      const record = { file };
      try {
        const domain = await conn.domainDefineXML(readFileSync(file, 'utf8'), 0);
        record.ok = true;
        record.xml = {};
        for (const flags of FLAGS) record.xml[flags] = await domain.getXMLDesc(flags);
        sameNvramDir(record, join(dir, 'state', 'qemu', 'nvram'));
        await domain.undefine(4).catch(() => domain.undefine(0)); // UNDEFINE_NVRAM where a UEFI domain made one
      } catch (e) {
        record.ok = false;
        record.error = errorOf(e);
        if (record.error.code === -1) conn = await connect(`qemu+unix:///session?socket=${socket}`).catch(() => conn);
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

/**
 * Runs the qemu sweep over `files` and returns its classes: `classify(input, libvirt, virtwire)` is
 * domains.mjs's; a file libvirt accepts and the driver refuses as outside its subset gets its own class.
 */
export async function qemuSweep(files, { classify, errorOf }) {
  const { records: libvirt, kvm } = await libvirtRecords(files);
  const virtwire = await virtwireRecords(files, errorOf, { kvm });
  const results = files.map(({ file, id }) => {
    const lv = libvirt.get(file);
    const vw = virtwire.get(file);
    const shown = (message) => message.replace(/'[^']*'/g, "'…'").slice(0, 120);
    if (vw && !vw.ok && vw.error.code === 88 && / is on a special filesystem /.test(vw.error.message)) {
      return {
        id,
        file,
        cls: 'documented: a path on /dev, /proc or /sys (SECURITY.md)',
        detail: { libvirt: lv?.error ?? 'accepted' },
        libvirt: lv,
        virtwire: vw,
      };
    }
    if (lv && vw && !vw.ok && outsideSubset(vw.error) && !(lv.ok === false && lv.error.message === vw.error.message)) {
      const which = lv.ok ? "outside the driver's subset" : "outside the driver's subset, libvirt refuses it otherwise";
      return { id, file, cls: `${which}: ${shown(vw.error.message)}`, detail: lv.ok ? {} : { libvirt: lv.error }, libvirt: lv, virtwire: vw };
    }
    if (lv && vw && !lv.ok && !vw.ok && noEmulator(lv.error)) {
      return {
        id,
        file,
        cls: 'foreign architecture: libvirt stops at its missing emulator',
        detail: { libvirt: lv.error, virtwire: vw.error },
        libvirt: lv,
        virtwire: vw,
      };
    }
    const { cls, detail } = classify(readFileSync(file, 'utf8'), lv, vw);
    return { id, file, cls, detail, libvirt: lv, virtwire: vw };
  });
  return { results, kvm };
}

/** The --qemu mode of domains.mjs: runs the sweep, prints the totals and each class with `examples` examples, writes `json` when given. */
export async function qemuMain(files, { classify, errorOf, examples, json }) {
  const { results, kvm } = await qemuSweep(files, { classify, errorOf });
  console.log(kvm ? 'KVM: both hosts have /dev/kvm' : "KVM: libvirtd cannot open /dev/kvm, so neither host offers type='kvm'");
  const classes = new Map();
  for (const r of results) {
    const entry = classes.get(r.cls) ?? { count: 0, files: [] };
    entry.count++;
    entry.files.push({ id: r.id, ...r.detail });
    classes.set(r.cls, entry);
  }
  const group = (prefix) => [...classes.entries()].filter(([c]) => c.startsWith(prefix)).reduce((n, [, e]) => n + e.count, 0);
  const accepted = classes.get('identical (both accept)')?.count ?? 0;
  const rejected = classes.get('identical (both reject)')?.count ?? 0;
  console.log(
    `qemu:///session: ${files.length} inputs, ${accepted + rejected} identical (${accepted} accepted, ${rejected} rejected), ` +
      `${group('outside the driver')} outside the driver's subset, ${group('documented')} on special filesystems (both documented), ${group('foreign')} foreign architecture, ${group('virtwire internal')} internal error, ` +
      `${group('libvirt accepts')} valid rejected, ${group('libvirt rejects')} invalid accepted, ${group('both reject')} different error, ${group('format')} format`,
  );
  for (const [cls, entry] of [...classes.entries()].sort((a, b) => b[1].count - a[1].count)) {
    if (cls.startsWith('identical')) continue;
    console.log(`${String(entry.count).padStart(5)}  ${cls}`);
    for (const { id, ...detail } of entry.files.slice(0, examples)) console.log(`         ${id}: ${JSON.stringify(detail)}`.slice(0, 400));
  }
  if (json) {
    writeFileSync(json, JSON.stringify({ inputs: files.length, classes: Object.fromEntries(classes), files: results }, null, 1));
    console.log(`report written to ${json}`);
  }
}
