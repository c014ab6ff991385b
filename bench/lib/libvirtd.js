// A throw-away libvirtd for the benchmark: unprivileged (session mode), its own config, a private unix socket.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHolder } from './processes.js';
import { serviceEnvironment } from './service-environment.js';

const HELPER = fileURLToPath(new URL('../libvirt-client.py', import.meta.url));
/** python3-libvirt is a Debian package: use the system interpreter, not one from PATH (pyenv and friends). */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
/** The user a root-run benchmark starts libvirtd as, so it runs in session mode like any user's. */
const NOBODY = 65534;

/** Why libvirt cannot be measured here, or null when libvirtd and python3-libvirt are installed. */
export function libvirtMissing() {
  try {
    execFileSync('libvirtd', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'libvirtd is not installed (apt-get install libvirt-daemon-system libvirt-clients python3-libvirt)';
  }
  try {
    execFileSync(PYTHON, ['-c', 'import libvirt'], { stdio: 'ignore' });
  } catch {
    return `python3-libvirt is not importable by ${PYTHON}`;
  }
  return null;
}

/** `libvirtd (libvirt) 9.0.0` -> `9.0.0`. */
export function libvirtVersion() {
  return execFileSync('libvirtd', ['--version'], { encoding: 'utf8' }).trim().split(' ').pop();
}

/**
 * Starts libvirtd with a private config and unix socket (no TCP, no auth on the socket, room for 64
 * calls in flight per client like virtwired), as `nobody` when run by root (with the supplementary
 * `groups` given, for example kvm's gid for /dev/kvm; none otherwise). `config` adds lines to its
 * libvirtd.conf. Resolves once the test driver answers over the socket, with its URI, pid, directory
 * and start-up time.
 */
export async function startLibvirtd({ groups = [], config: extraConfig = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'libvirtd-bench-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, NOBODY, NOBODY);
  const config = join(dir, 'libvirtd.conf');
  writeFileSync(
    config,
    [
      `unix_sock_dir = "${dir}"`,
      'unix_sock_rw_perms = "0777"',
      'unix_sock_ro_perms = "0777"',
      'auth_unix_rw = "none"',
      'auth_unix_ro = "none"',
      'max_client_requests = 64',
      'max_clients = 5000',
      ...(extraConfig.some((line) => line.startsWith('log_outputs')) ? [] : ['log_outputs = "1:stderr"']),
      'log_level = 4',
      ...extraConfig,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const uri = `test+unix:///default?socket=${join(dir, 'libvirt-sock')}`;
  const environment = ['env', '-i', ...Object.entries(serviceEnvironment(dir)).map(([name, value]) => `${name}=${value}`)];
  const daemon = ['libvirtd', '--config', config, '--pid-file', join(dir, 'libvirtd.pid')];
  const groupArgs = groups.length > 0 ? [`--groups=${groups.join(',')}`] : ['--clear-groups'];
  const command = asRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, ...groupArgs, ...environment, ...daemon] : [...environment, ...daemon];

  // The poller is started (interpreter and libvirt loaded) before the daemon, so only the daemon's start-up is timed.
  const poller = startHolder(PYTHON, [HELPER, JSON.stringify({ workload: 'firstAnswer', uri })]);
  await poller.next();
  const spawnedAt = Date.now();
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  poller.send('go');
  const answer = await poller.next();
  await poller.stop();
  if (answer.error) throw new Error(`libvirtd did not answer: ${answer.error}`);
  return {
    name: 'libvirtd',
    uri,
    dir,
    pid: child.pid,
    startupMs: answer.answeredAt * 1000 - spawnedAt,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The script that runs one libvirt workload (see libvirt-client.py). */
export const LIBVIRT_HELPER = HELPER;
