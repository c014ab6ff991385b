// The `test` hypervisor driver: libvirt's test:///default and node-file URIs over simulated hosts.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { ConfinementPolicy } from '../../storage/confinement-policy.js';
import type { ConnectionUri, DriverConnection, DriverEnvironment, HypervisorDriver } from '../driver.js';
import { DEFAULT_NODE_XML, parseNodeConfig, type NodeConfig } from './node-config.js';
import type { AtomicMode } from './snapshot-create.js';
import { testCapabilities } from './test-capabilities.js';
import { withTestEvents } from './test-events.js';
import { testMethods } from './test-methods.js';
import { TestNode } from './test-node.js';

/** Largest node file read (libvirt test configs are a few KiB). */
const NODE_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The test driver. `test:///default` is one host shared by the connections open at the same time,
 * as in libvirt: it is made fresh when the first opens and forgotten when the last closes. A
 * node-file URI (`test:///abs/path/node.xml`) gives each connection its own fresh host.
 * `?atomic=none` makes the connection behave like a hypervisor without group snapshots.
 */
export class TestDriver implements HypervisorDriver {
  readonly scheme = 'test';
  private defaultNode: TestNode | undefined;
  /** Open connections to `test:///default` (libvirt's defaultConnections). */
  private defaultUsers = 0;

  constructor(private readonly environment: DriverEnvironment) {}

  async open(uri: ConnectionUri): Promise<DriverConnection> {
    const atomicMode = parseAtomicMode(uri);
    const shared = uri.path === '/default';
    const node = shared ? this.sharedDefault() : this.loadNodeFile(uri.path);
    if (shared) this.defaultUsers++;
    let open = true;
    const methods = withTestEvents(node, testMethods(node, atomicMode));
    return {
      uri: uri.text,
      capabilities: testCapabilities(atomicMode, methods),
      methods,
      jobScope: node,
      events: node.events,
      close: async () => {
        if (!open || !shared) return;
        open = false;
        if (--this.defaultUsers === 0 && this.defaultNode === node) this.defaultNode = undefined;
      },
    };
  }

  async shutdown(): Promise<void> {
    this.defaultNode = undefined;
    this.defaultUsers = 0;
  }

  private sharedDefault(): TestNode {
    this.defaultNode ??= this.createNode(freshDefaultConfig());
    return this.defaultNode;
  }

  /**
   * Reads a node file, only from the node-file directories: the confinement policy checks the
   * path by name first, so a path outside them gets one refusal whatever exists there.
   */
  private loadNodeFile(path: string): TestNode {
    const xml = readNodeFile(path, this.environment.confinement);
    const config = parseNodeConfig(xml, (name) => readNodeFile(posix.resolve(posix.dirname(path), name), this.environment.confinement), TestNode.generateUuid);
    return this.createNode(config);
  }

  /** A host whose simulated storage creates files only inside the daemon's and the node file's storage roots. */
  private createNode(config: NodeConfig): TestNode {
    return new TestNode(config, this.environment.confinement.withSimulatedRoots(config.roots ?? []));
  }
}

/** libvirt's built-in node as parsed the first time a default host was made: its XML is read once per process. */
let defaultConfig: NodeConfig | undefined;

/**
 * The configuration of a fresh `test:///default` host: the built-in node's, parsed once (three XML
 * parses, about a millisecond, paid by every first connection after the last one closed), with a deep
 * copy of each domain's definition, which a host changes in place (a snapshot's overlay, a redefine).
 */
function freshDefaultConfig(): NodeConfig {
  defaultConfig ??= { ...parseNodeConfig(DEFAULT_NODE_XML, () => '', TestNode.generateUuid), builtIn: true };
  const { domains, images, faults } = defaultConfig;
  // The built-in node has neither snapshots nor simulated storage: a copy of its domains is a copy of everything a host changes.
  if (images.length > 0 || faults.length > 0 || domains.some((d) => d.snapshots.length > 0)) throw new Error('the built-in test node changed shape');
  return { ...defaultConfig, domains: domains.map((d) => ({ ...d, definition: d.definition.clone(), snapshots: [] })), images: [], faults: [] };
}

const openFailed = (path: string, reason: string) => VirError.report(ErrorNumber.OpenFailed, ErrorDomain.Test, `Failed to open file '${path}': ${reason}`);

/**
 * Reads one node file (or a domain file it includes): confined to the node-file directories,
 * opened without following a final symlink and without blocking (a FIFO would hang the daemon),
 * a regular file of at most 4 MiB. Anything else is VIR_ERR_OPEN_FAILED with the reason.
 */
function readNodeFile(path: string, confinement: ConfinementPolicy): string {
  const { path: resolved } = confinement.existing(path, 'node-file', ErrorDomain.Test);
  let fd: number;
  try {
    fd = openSync(resolved, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw openFailed(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : 'Permission denied');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw openFailed(path, stat.isDirectory() ? 'Is a directory' : 'Not a regular file');
    if (stat.size > NODE_FILE_MAX_BYTES) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Test, `node file '${path}' is too large`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function parseAtomicMode(uri: ConnectionUri): AtomicMode {
  const value = uri.query.get('atomic') ?? 'group';
  if (value !== 'group' && value !== 'none') {
    throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.Test, `unknown atomic mode '${value}' in URI ${uri.text}`);
  }
  return value;
}
