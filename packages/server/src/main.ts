// virtwired's command line: parse options, start the daemon, stop cleanly on SIGINT/SIGTERM; `token` manages tokens.
import { DEFAULT_DRIVER_URI, DEFAULT_TCP_PORT, formatVersion, LIB_VERSION } from '@virtwire/protocol';
import { localSocketPaths, localTokenPath } from '@virtwire/runtime';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tokenCommand } from './auth/token-command.js';
import { startDaemon } from './daemon.js';
import { logStream, parseLogFormat, type LogFormat } from './log-format.js';
import { DEFAULT_LIMITS, DEFAULT_POLL_MAX_US, type DaemonLimits, type ListenerSpec, type TlsOptions } from './daemon-options.js';
import { defaultWebRoot } from './web/web-root.js';

function parseListen(value: string, previous: string[] = []): string[] {
  if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value)) throw new InvalidArgumentError('expected HOST:PORT');
  return [...previous, value];
}

function toTcp(value: string, tls: TlsOptions | undefined): ListenerSpec {
  const at = value.lastIndexOf(':');
  const spec: ListenerSpec = { kind: 'tcp', host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
  return tls ? { ...spec, tls } : spec;
}

/** Collects a repeatable option's values (commander passes undefined before the first). */
const repeatable = (value: string, previous: string[] = []) => [...previous, value];

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** The limits exposed as flags: `--max-calls-per-second 500` sets `maxCallsPerSecond`. */
const LIMIT_FLAGS: ReadonlyArray<[keyof DaemonLimits, string]> = [
  ['maxMessageBytes', 'largest WebSocket message in bytes'],
  ['maxFragments', 'most fragments one message may arrive in'],
  ['maxBatchLength', 'most requests in one JSON-RPC batch'],
  ['maxJsonDepth', 'deepest JSON nesting in a message'],
  ['maxIdLength', 'longest string id of a request'],
  ['maxXmlBytes', 'largest XML document in characters'],
  ['maxXmlDepth', 'deepest XML element nesting'],
  ['maxSnapshotDisks', 'most disks one snapshot covers (given, and aligned with the domain)'],
  ['maxDomainDisks', 'most disks in one domain definition'],
  ['maxConnections', 'open connections in total on TCP and the read-only socket'],
  ['maxConnectionsPerPrincipal', 'open connections of one token (or of the read-only socket, or of the read-write socket)'],
  ['maxConnectionsPerAddress', 'connections from one remote IP address'],
  ['maxPendingConnections', 'connections per listener still in their handshake'],
  ['maxPendingPerPeer', 'connections from one remote IP address still in their handshake'],
  ['silentSocketTimeoutMs', 'ms a new socket may stay silent before it is closed'],
  ['handshakeTimeoutMs', 'ms from accept to a completed, authenticated upgrade'],
  ['maxInFlightPerConnection', 'calls handled at once per connection'],
  ['maxCallsPerSecond', 'sustained calls per second per connection'],
  ['callBurst', 'calls per connection in a burst'],
  ['maxOutboundBytes', 'bytes queued for a client that is not reading before it is dropped'],
  ['heartbeatIntervalMs', 'ping interval in ms (a silent client is dropped after two)'],
  ['idleTimeoutMs', 'close connections that send nothing for this many ms (0: never)'],
  ['jobWaitMs', "longest wait in ms for a domain's state-change lock"],
  ['maxQueuedJobsPerDomain', 'most state-changing calls on one domain at once, the running one included'],
];

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const uid = process.getuid?.() ?? 1000;
const sockets = localSocketPaths({ runtimeDirOverride: process.env.VIRTWIRE_RUNTIME_DIR, xdgRuntimeDir: process.env.XDG_RUNTIME_DIR, uid });
/** Like libvirt's: /var/lib for root, the XDG state directory otherwise; `$VIRTWIRE_STATE_DIR` overrides both (as `$VIRTWIRE_RUNTIME_DIR` does for the sockets). */
const defaultStateDir =
  process.env.VIRTWIRE_STATE_DIR || (uid === 0 ? '/var/lib/virtwire' : join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'virtwire'));
const clientTokenFile = localTokenPath({ xdgConfigHome: process.env.XDG_CONFIG_HOME, home: homedir() });

/** What `--help` says after the options: the URIs clients open, and where the daemon keeps things. */
const HELP_AFTER = `
Connection URIs it serves (a client adds the transport: test+ws://127.0.0.1:${DEFAULT_TCP_PORT}/default,
qemu+unix:///session; without one, vwsh and the SDK use the local unix socket):
  ${DEFAULT_DRIVER_URI}           libvirt's test host: one running domain 'test' (the default)
  test:///DIR/node.xml      a libvirt test-driver node file, in a --node-dir directory
  qemu:///session           real QEMU guests, owned by this daemon

Default paths:
  sockets         ${sockets.readWrite} (0600), ${sockets.readOnly} (0666)
  state           ${defaultStateDir} ($VIRTWIRE_STATE_DIR overrides)
  tokens          <state-dir>/tokens (SHA-256 only; manage with \`virtwired token\`)
  client token    ${clientTokenFile} (written on first start)
`;

const program = new Command('virtwired')
  .description('virtwire daemon: libvirt-compatible VM management over JSON-RPC 2.0 and WebSocket')
  .version(`virtwired (virtwire) ${formatVersion(LIB_VERSION)}`, '-V, --version', 'print the version and exit')
  // Daemon options only before a subcommand, so `virtwired token --token-file F add` reaches `token`.
  .enablePositionalOptions()
  // Every default is named once, in its option's description (commander would print a second one for values it holds).
  .option('--listen <host:port>', `TCP listener, repeatable (default: 127.0.0.1:${DEFAULT_TCP_PORT}, unless --unix or --unix-ro is given)`, parseListen)
  .option('--unix <path>', `read-write unix socket (default: ${sockets.readWrite})`)
  .option('--unix-ro <path>', `read-only unix socket (default: ${sockets.readOnly})`)
  .option('--no-unix', 'do not listen on unix sockets')
  .option('--state-dir <dir>', `state directory (default: ${defaultStateDir})`)
  .option('--token-file <file>', 'bearer tokens for TCP listeners (default: <state-dir>/tokens; see `virtwired token`)')
  .option('--no-local-token', `on first start, do not create a read-write token for this user in ${clientTokenFile}`)
  .option('--tls-cert <file>', 'PEM certificate for TCP listeners (required on non-loopback addresses)')
  .option('--tls-key <file>', 'PEM private key for --tls-cert')
  .option('--tls-client-ca <file>', 'require client certificates signed by this CA')
  .option('--allow-origin <origin>', 'browser origin allowed to connect, e.g. https://app.example:8443, repeatable (default: none)', repeatable)
  .option('--no-web', 'do not serve the web console at / on TCP listeners')
  .option('--web-dir <dir>', 'serve the web console from this directory (index.html and assets/) (default: the installed @virtwire/web)')
  .option(
    '--storage-root <dir>',
    'directory every file a client names or makes the daemon open or create (disks, backing images, boot files, overlays) must lie in, repeatable; without one, any path the daemon user can reach, see SECURITY.md (default: none)',
    repeatable,
  )
  .option('--node-dir <dir>', 'directory test-driver node files may be read from, repeatable (default: none)', repeatable)
  .option('--qemu-runtime-dir <dir>', 'short directory for QEMU sockets, pidfiles and logs (default: under the state directory)')
  .addOption(
    new Option('--qemu-overlay-creation <who>', 'who formats live snapshot overlays: engine (the driver) or blockdev-create (QEMU)')
      .choices(['engine', 'blockdev-create'])
      .default('engine'),
  )
  .option('--qemu-inspection-monitor', 'give every guest a second QMP socket (monitor.sock) for inspection from outside')
  .option('--qemu-kvm-device <path>', "the KVM device whose read-write access lets <domain type='kvm'> run (default: /dev/kvm)")
  .option('--poll-max-us <us>', `longest adaptive polling window after traffic, in µs; 0 never spins (default: ${DEFAULT_POLL_MAX_US})`, parseCount)
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default: info)')
  .option('--log-format <format>', 'json (one pino object a line) or pretty (default: pretty when stderr is a terminal, else json)', parseLogFormat)
  .addHelpText('after', HELP_AFTER);
for (const [key, description] of LIMIT_FLAGS) program.option(`${flagOf(key)} <n>`, `${description} (default: ${DEFAULT_LIMITS[key]})`, parseCount);

interface DaemonFlags {
  listen?: string[];
  unix: string | boolean;
  unixRo?: string;
  stateDir?: string;
  tokenFile?: string;
  localToken: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  allowOrigin?: string[];
  web: boolean;
  webDir?: string;
  storageRoot?: string[];
  nodeDir?: string[];
  qemuRuntimeDir?: string;
  qemuInspectionMonitor?: boolean;
  qemuKvmDevice?: string;
  qemuOverlayCreation?: string;
  logLevel?: string;
  logFormat?: LogFormat;
  pollMaxUs?: number;
  [limit: string]: unknown;
}

async function runDaemon(flags: DaemonFlags): Promise<void> {
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  const tls: TlsOptions | undefined = flags.tlsCert
    ? {
        cert: readFileSync(flags.tlsCert),
        key: readFileSync(flags.tlsKey!),
        ...(flags.tlsClientCa ? { clientCa: readFileSync(flags.tlsClientCa) } : {}),
      }
    : undefined;
  const listeners: ListenerSpec[] = (flags.listen ?? []).map((l) => toTcp(l, tls));
  if (flags.unix !== false) {
    listeners.push({ kind: 'unix', path: typeof flags.unix === 'string' ? flags.unix : sockets.readWrite, readOnly: false });
    listeners.push({ kind: 'unix', path: flags.unixRo ?? sockets.readOnly, readOnly: true });
  }
  if (!flags.listen && process.argv.every((a) => !a.startsWith('--unix'))) {
    listeners.unshift(toTcp(`127.0.0.1:${DEFAULT_TCP_PORT}`, tls));
  }
  const limits: Partial<DaemonLimits> = {};
  for (const [key] of LIMIT_FLAGS) {
    const value = flags[key];
    if (typeof value === 'number') limits[key] = value;
  }
  const stateDir = flags.stateDir ?? defaultStateDir;
  const webRoot = flags.web ? (flags.webDir ?? defaultWebRoot()) : undefined;
  if (flags.web && !webRoot) process.stderr.write('virtwired: the web console (@virtwire/web) is not installed or not built; serving none\n');
  // Listened for before the start, so a signal that arrives while it runs stops the daemon cleanly once it is up.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => resolve(signal));
  });
  const daemon = await startDaemon({
    listeners,
    stateDir,
    tokenFile: flags.tokenFile ?? join(stateDir, 'tokens'),
    ...(flags.localToken ? { localTokenFile: clientTokenFile } : {}),
    allowedOrigins: flags.allowOrigin ?? [],
    ...(webRoot ? { web: { root: webRoot } } : {}),
    storageRoots: flags.storageRoot ?? [],
    nodeFileRoots: flags.nodeDir ?? [],
    logLevel: flags.logLevel ?? 'info',
    logStream: await logStream(flags.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json')),
    limits,
    pollMaxUs: flags.pollMaxUs,
    qemu: {
      inspectionMonitor: flags.qemuInspectionMonitor === true,
      overlayCreation: flags.qemuOverlayCreation === 'blockdev-create' ? 'blockdev-create' : 'engine',
      ...(flags.qemuRuntimeDir ? { runtimeDir: flags.qemuRuntimeDir } : {}),
      ...(flags.qemuKvmDevice ? { kvmDevice: flags.qemuKvmDevice } : {}),
    },
  });
  // A stray rejection in one connection's code must not take every other connection down.
  process.on('unhandledRejection', (reason) => daemon.log.error({ err: reason }, 'unhandled rejection'));
  void stopSignal.then(async (signal) => {
    daemon.log.info({ signal }, 'stopping');
    await daemon.close();
    process.exit(0);
  });
}

program.addCommand(tokenCommand(join(defaultStateDir, 'tokens')));
program.action(async (flags: DaemonFlags) => {
  process.umask(0o077);
  await runDaemon(flags);
});

// Not awaited at the top level: the bundle is CommonJS (scripts/bundle.mjs), where there is no top-level await.
void program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`virtwired: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
