// The snapshot sweep's virsh part: virsh 9.0 (test:///default, in-process) beside vwsh against a real virtwired.
//
// Each case is one command chain: a snapshot-create of a corpus file (with one option set), then
// snapshot-current to show what was recorded; plus snapshot-create-as --print-xml chains of
// libvirt's own virsh option-parsing test. Compared: stdout, stderr, exit status, normalised.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runVwsh } from '@virtwire/cli';
import { startDaemon } from '@virtwire/server';
import { SUPERSET_REASONS } from './snapshot-classes.mjs';

/** snapshot-create's option sets (virsh 9.0's switches for virDomainSnapshotCreateFlags). */
const CREATE_OPTIONS = ['', '--redefine', '--redefine --current', '--validate', '--redefine --validate', '--no-metadata', '--disk-only', '--atomic'];

/** snapshot-create-as argument lists of libvirt's tests/virsh-optparse (what virsh is asked, not its output). */
const CREATE_AS = [
  "test --print-xml --diskspec 'vda,file=a&b,,c,snapshot=external' --description '1<2' --diskspec vdb --memspec file=d,,e",
  '--print-xml test name vda vdb',
  '--print-xml test name desc vda vdb',
  '--print-xml test name desc --diskspec vda vdb',
  '--print-xml test --diskspec vda name desc vdb',
  '--print-xml test --diskspec vda --diskspec vdb name desc',
  '--print-xml test --description desc --name name --diskspec vda vdb',
  "--print-xml test --diskspec 'vda,snapshot=external,file=/a,driver=qcow2' --memspec 'snapshot=external,file=/m'",
];

/** The virsh cases of `files`, each a command chain (`{id, chain, files}`), with the corpus file written under `@FILES@`. */
export function virshCases(files) {
  const cases = [];
  for (const file of files) {
    const name = file.id.replaceAll('/', '_');
    for (const options of CREATE_OPTIONS) {
      cases.push({
        id: `${file.id} virsh snapshot-create ${options}`.trim(),
        chain: `snapshot-create test @FILES@/${name} ${options}; snapshot-current test`,
        files: { [name]: file.xml },
      });
    }
  }
  for (const args of CREATE_AS) cases.push({ id: `virsh-optparse snapshot-create-as ${args}`, chain: `snapshot-create-as ${args}`, files: {} });
  return cases;
}

const withFiles = (c, dir) => {
  for (const [name, text] of Object.entries(c.files)) writeFileSync(join(dir, name), text);
  return c.chain.replaceAll('@FILES@', dir);
};

const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: \d+: (?:debug|info|warning) : .*\n/gm;

/** Runs the chains through virsh on test:///default (a fresh host each, as each virsh opens its own). */
export function virshOutcomes(cases) {
  const dir = mkdtempSync(join(tmpdir(), 'vw-corpus-virsh-'));
  const out = new Map();
  try {
    for (const c of cases) {
      const r = spawnSync('virsh', ['-c', 'test:///default', withFiles(c, dir)], { encoding: 'utf8', env: { TZ: 'UTC', LC_ALL: 'C', PATH: process.env.PATH } });
      // The in-process driver's own log lines (info, warning) are not virsh's output.
      const stderr = r.stderr.replace(LOG_LINE, '');
      out.set(c.id, { outcome: { stdout: r.stdout, stderr, code: r.status }, dir });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Runs the chains through vwsh (in-process) against a real virtwired's test:///default. */
export async function vwshOutcomes(cases) {
  const dir = mkdtempSync(join(tmpdir(), 'vw-corpus-vwsh-'));
  const socket = join(dir, 'sock');
  const daemon = await startDaemon({ listeners: [{ kind: 'unix', path: socket, readOnly: false }], stateDir: join(dir, 'state'), logLevel: 'silent' });
  const out = new Map();
  try {
    for (const c of cases) {
      let stdout = '';
      let stderr = '';
      const code = await runVwsh(['-c', `test+unix:///default?socket=${socket}`, withFiles(c, dir)], {
        stdout: { write: (text) => (stdout += text) },
        stderr: { write: (text) => (stderr += text) },
        stdin: Readable.from(['']),
        env: { TZ: 'UTC', VIRTWIRE_RUNTIME_DIR: join(dir, 'none') },
      });
      out.set(c.id, { outcome: { stdout, stderr, code }, dir });
    }
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** identical, a documented superset (virsh refused with one of the test driver's superset refusals), or which of the three differ. */
export function classifyTranscript(l, v, input = '') {
  if (!v) return 'crash';
  const parts = ['stdout', 'stderr', 'code'].filter((k) => l[k] !== v[k]);
  if (parts.length === 0) return 'identical';
  // The documented differences of the API sweep (snapshot-classes.mjs), seen through the shell.
  if (input.includes('<revertDisks>')) return 'differs-revert-disks';
  if (/error: invalid snapshot name /.test(v.stderr) && !/error: invalid snapshot name /.test(l.stderr)) return 'differs-name-policy';
  const refusals = l.stderr.split('\n').filter((line) => line.startsWith('error: '));
  if (refusals.some((line) => SUPERSET_REASONS.some((reason) => reason.test(line.slice('error: '.length).replace(/^unsupported configuration: /, '')))))
    return 'superset';
  return `differs-${parts.join('-')}`;
}
