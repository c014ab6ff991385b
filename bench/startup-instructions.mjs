// Instructions virtwired executes from spawn to its first answered call (valgrind cachegrind), the daemon started as the bench starts it.
// Usage: node bench/startup-instructions.mjs [--runs N] [--bin PATH/virtwired.js ...] [--no-extra-ca] [-- extra daemon args]
// Each --bin is measured in turn, round by round (default: this tree's). --no-extra-ca unsets NODE_EXTRA_CA_CERTS for the daemon.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@virtwire/client';
import { benchTokenArgs } from './lib/bench-token.js';
import { sleep } from './lib/processes.js';

const dashes = process.argv.indexOf('--');
const argv = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const extraArgs = dashes < 0 ? [] : process.argv.slice(dashes + 1);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs') ?? 1);
const bins = argv.flatMap((a, i) => (a === '--bin' ? [argv[i + 1]] : []));
if (bins.length === 0) bins.push(fileURLToPath(new URL('../packages/server/bin/virtwired.js', import.meta.url)));
const env = { ...process.env };
if (argv.includes('--no-extra-ca')) delete env.NODE_EXTRA_CA_CERTS;

/** Instructions (valgrind's `I refs`) of one daemon of `bin`, spawn to first answered ConnectGetVersion over its unix socket and its SIGINT stop. */
async function daemonInstructions(bin, valgrind = true) {
  const dir = mkdtempSync(join(tmpdir(), 'startup-instr-'));
  const socket = join(dir, 'sock');
  const args = valgrind ? ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, bin] : [bin];
  args.push('--listen', '127.0.0.1:0', '--unix', socket, '--unix-ro', `${socket}-ro`, '--state-dir', dir, ...benchTokenArgs(dir));
  args.push('--log-level', 'silent', '--poll-max-us', '0', ...extraArgs);
  const daemon = spawn(valgrind ? 'valgrind' : process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  daemon.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => daemon.once('exit', resolve));
  for (;;) {
    try {
      const conn = await connect(`test+unix:///default?socket=${socket}`);
      await conn.getVersion();
      await conn.close();
      break;
    } catch {
      if (daemon.exitCode !== null) throw new Error(`virtwired exited:\n${stderr}`);
      await sleep(50);
    }
  }
  // Natively, the daemon lives on until it has written its code cache (CACHE_WRITE_DELAY_MS after start, when it had none).
  if (!valgrind) await sleep(2500);
  daemon.kill('SIGINT');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  if (!valgrind) return 0;
  const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (!refs) throw new Error(`no instruction count from valgrind:\n${stderr}`);
  return Number(refs[1].replace(/,/g, '')) / 1e6;
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

// One native start of each first, as the bench's first start: it writes the code cache the measured starts use.
for (const bin of bins) await daemonInstructions(bin, false);
const figures = bins.map(() => []);
for (let run = 0; run < runs; run++) for (const [i, bin] of bins.entries()) figures[i].push(await daemonInstructions(bin));
console.log(`M instructions, spawn to first answer; NODE_EXTRA_CA_CERTS ${env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}; load ${load()}`);
for (const [i, bin] of bins.entries()) console.log(`${bin}: ${figures[i].map((m) => m.toFixed(1)).join(', ')}`);
