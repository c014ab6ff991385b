// A throw-away libvirtd 9.0 for the conformance recorder: unprivileged (`nobody` when run by root), private socket and config.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The uid/gid a root-run recorder starts libvirtd as, so it runs in session mode like any user's. */
const NOBODY = 65534;

/** `libvirtd (libvirt) 9.0.0` -> `9.0.0`. */
export function libvirtVersion() {
  return execFileSync('libvirtd', ['--version'], { encoding: 'utf8' }).trim().split(' ').pop();
}

/** Whether this process may open `path` for reading and writing. */
function readWritable(path) {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The gid of the group owning /dev/kvm when it is a group-read-writable device (Debian: `kvm`), else undefined. */
export function kvmGroup() {
  try {
    accessSync('/dev/kvm', constants.F_OK);
  } catch {
    return undefined;
  }
  const group = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find(([name]) => name === 'kvm');
  return group ? Number(group[2]) : undefined;
}

/**
 * Starts libvirtd (test and qemu drivers) with its own config and unix socket in a fresh directory
 * under /tmp, readable by `nobody`. Resolves once the socket answers `virsh uri`.
 * `kvm: true` (the qemu domain sweep): when run by root and the machine has /dev/kvm, `nobody` also
 * gets the `kvm` group, so that qemu:///session can run `type='kvm'` domains as a user in that group
 * does; without it (the default, every recording) libvirtd has no supplementary group at all.
 * `kvmAccess` of the result says whether libvirtd may open /dev/kvm (as root: whether it got the group;
 * otherwise: whether the caller, whose groups libvirtd keeps, may).
 */
export async function startLibvirtd({ kvm = false } = {}) {
  const dir = mkdtempSync('/tmp/vw-conformance-');
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const daemonDir = join(dir, 'daemon');
  mkdirSync(daemonDir);
  if (asRoot) chownSync(daemonDir, NOBODY, NOBODY);
  const config = join(daemonDir, 'libvirtd.conf');
  writeFileSync(
    config,
    [
      `unix_sock_dir = "${daemonDir}"`,
      'unix_sock_rw_perms = "0777"',
      'unix_sock_ro_perms = "0777"',
      'auth_unix_rw = "none"',
      'auth_unix_ro = "none"',
      'log_outputs = "1:stderr"',
      'log_level = 4',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const socket = join(daemonDir, 'libvirt-sock');
  const environment = [
    'env',
    '-i',
    `HOME=${daemonDir}`,
    `XDG_RUNTIME_DIR=${daemonDir}`,
    `XDG_CONFIG_HOME=${join(daemonDir, 'config')}`,
    `XDG_CACHE_HOME=${join(daemonDir, 'cache')}`,
    'TZ=UTC',
    'LC_ALL=C',
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  ];
  const daemon = ['libvirtd', '--config', config, '--pid-file', join(daemonDir, 'libvirtd.pid')];
  const kvmGid = kvm && asRoot ? kvmGroup() : undefined;
  const groups = kvmGid === undefined ? ['--clear-groups'] : [`--groups=${kvmGid}`];
  const command = asRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, ...groups, ...environment, ...daemon] : [...environment, ...daemon];
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (existsSync(socket)) {
      try {
        execFileSync('virsh', ['-c', `test+unix:///default?socket=${socket}`, 'uri'], { stdio: 'ignore' });
        break;
      } catch {
        // not accepting yet
      }
    }
    if (Date.now() > deadline) throw new Error('libvirtd did not start within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    dir,
    socket,
    kvmAccess: asRoot ? kvmGid !== undefined : readWritable('/dev/kvm'),
    /** `test+unix:///default?socket=...` for a driver path such as `/default` or a node file's path. */
    uri: (scheme, path) => `${scheme}+unix://${path}?socket=${socket}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
