// The environment a service manager gives a daemon: nothing of the shell that runs the bench, a home and runtime directory of its own.
import { join } from 'node:path';

/**
 * The variables both benchmarked daemons start with, for a daemon whose private directory is `dir`:
 * as systemd starts a service, nothing is inherited (no NODE_EXTRA_CA_CERTS, which costs every Node
 * process about 40 ms before any JavaScript here, and no LIBVIRT_* either).
 */
export function serviceEnvironment(dir) {
  return {
    HOME: dir,
    XDG_RUNTIME_DIR: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  };
}
