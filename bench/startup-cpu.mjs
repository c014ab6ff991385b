// CPU time (all threads) of `node -e 0`, one vwsh command and virtwired's start to first answer: figures a loaded machine disturbs less than wall-clock ones.
// Usage: node bench/startup-cpu.mjs [--runs N] [--main DIR]   (--main: another build's repository, measured alternately with this one)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs') ?? 10);
const trees = [['this tree', fileURLToPath(new URL('../', import.meta.url))]];
if (option('--main')) trees.push(['--main', option('--main')]);
const vwshOf = (root) => join(root, 'packages/cli/bin/vwsh.js');
const virtwiredOf = (root) => join(root, 'packages/server/bin/virtwired.js');

/** CPU milliseconds (user + system, all threads) of `runs` runs of `node args`, each, from the shell's `times`. */
function commandCpuMs(args) {
  const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const { stdout } = spawnSync('/bin/sh', ['-c', `i=0; while [ $i -lt ${runs} ]; do ${quoted} >/dev/null 2>&1; i=$((i+1)); done; times`], { encoding: 'utf8' });
  const seconds = [
    ...stdout
      .trim()
      .split('\n')
      .pop()
      .matchAll(/(\d+)m([\d.]+)s/g),
  ].reduce((sum, [, m, s]) => sum + Number(m) * 60 + Number(s), 0);
  return (seconds * 1000) / runs;
}

/** CPU milliseconds of a running process, all its threads (from /proc/PID/task/TID/schedstat, in ns). */
const processCpuMs = (pid) =>
  readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]), 0) / 1e6;

/** CPU milliseconds a daemon of `root` spent from spawn to answering `vwsh list --all` over its unix socket. */
async function daemonCpuMs(root) {
  const dir = mkdtempSync(join(tmpdir(), 'startup-cpu-'));
  const socket = join(dir, 'sock');
  const args = [virtwiredOf(root), '--unix', socket, '--unix-ro', `${socket}-ro`, '--state-dir', dir, '--no-local-token', '--log-level', 'silent'];
  const daemon = spawn(process.execPath, args, { stdio: 'ignore' });
  const list = [vwshOf(root), '-c', `test+unix:///default?socket=${socket}`, 'list', '--all'];
  while (!(existsSync(socket) && spawnSync(process.execPath, list).status === 0)) await new Promise((resolve) => setTimeout(resolve, 5));
  const ms = processCpuMs(daemon.pid);
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const startLoad = load();
// A daemon for the vwsh figure, of this tree (the command's own CPU time is what is measured).
const keeperDir = mkdtempSync(join(tmpdir(), 'startup-cpu-keeper-'));
const keeperSocket = join(keeperDir, 'sock');
const keeper = spawn(
  process.execPath,
  [virtwiredOf(trees[0][1]), '--unix', keeperSocket, '--unix-ro', `${keeperSocket}-ro`, '--state-dir', keeperDir, '--no-local-token', '--log-level', 'silent'],
  { stdio: 'ignore' },
);
while (!existsSync(keeperSocket)) await new Promise((resolve) => setTimeout(resolve, 5));
const uri = `test+unix:///default?socket=${keeperSocket}`;
const figures = trees.map(() => ({ node: [], vwsh: [], daemon: [] }));
for (let round = 0; round < 3; round++) {
  for (const [i, [, root]] of trees.entries()) {
    figures[i].node.push(commandCpuMs(['-e', '0']));
    figures[i].vwsh.push(commandCpuMs([vwshOf(root), '-c', uri, 'list', '--all']));
    for (let run = 0; run < Math.ceil(runs / 3); run++) figures[i].daemon.push(await daemonCpuMs(root));
  }
}
keeper.kill('SIGTERM');
await new Promise((resolve) => keeper.once('exit', resolve));
rmSync(keeperDir, { recursive: true, force: true });
const range = (xs) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
console.log(`CPU ms, median (min-max); NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}; load ${startLoad} -> ${load()}`);
for (const [i, [name]] of trees.entries()) {
  const { node, vwsh, daemon } = figures[i];
  console.log(
    `${name}: node -e 0 ${range(node)}; vwsh list --all ${range(vwsh)} (${(median(vwsh) / median(node)).toFixed(2)}x); daemon to first answer ${range(daemon)}`,
  );
}
