// Where the local daemon's unix sockets live, computed the same way by virtwired, the SDK and vwsh.

/** The process facts the socket location depends on (passed in: this package has no Node imports). */
export interface LocalEnvironment {
  /** `$VIRTWIRE_RUNTIME_DIR`, which overrides everything. */
  runtimeDirOverride?: string | undefined;
  /** `$XDG_RUNTIME_DIR`. */
  xdgRuntimeDir?: string | undefined;
  /** The caller's uid (0 for root). */
  uid: number;
}

/** The runtime directory of the local daemon: like libvirt, `/run/...` for root, per-user otherwise. */
export function localRuntimeDir(env: LocalEnvironment): string {
  if (env.runtimeDirOverride) return env.runtimeDirOverride;
  if (env.uid === 0) return '/run/virtwire';
  if (env.xdgRuntimeDir) return `${env.xdgRuntimeDir}/virtwire`;
  return `/tmp/virtwire-${env.uid}`;
}

/** The local daemon's read-write and read-only sockets (libvirt's `libvirt-sock` and `libvirt-sock-ro`). */
export function localSocketPaths(env: LocalEnvironment): { readWrite: string; readOnly: string } {
  const dir = localRuntimeDir(env);
  return { readWrite: `${dir}/virtwired-sock`, readOnly: `${dir}/virtwired-sock-ro` };
}

/** Where a user's client token lives (`$XDG_CONFIG_HOME/virtwire/token`, else `~/.config/virtwire/token`). */
export function localTokenPath(env: { xdgConfigHome?: string | undefined; home: string }): string {
  return `${env.xdgConfigHome || `${env.home}/.config`}/virtwire/token`;
}
