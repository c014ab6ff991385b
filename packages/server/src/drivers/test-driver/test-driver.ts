// The `test` hypervisor driver: libvirt's test:///default and node-file URIs over simulated hosts.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathPolicy } from '../../storage/path-policy.js';
import type { ConnectionUri, DriverConnection, DriverEnvironment, HypervisorDriver } from '../driver.js';
import { DEFAULT_NODE_XML, parseNodeConfig, type NodeConfig } from './node-config.js';
import type { AtomicMode } from './snapshot-create.js';
import { testCapabilities } from './test-capabilities.js';
import { testHandlers } from './test-handlers.js';
import { TestNode } from './test-node.js';

/** Largest node file read (libvirt test configs are a few KiB). */
const NODE_FILE_MAX_BYTES = 4 * 1024 * 1024;

const within = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
};

/**
 * The test driver. `test:///default` is one shared host per daemon, as in libvirt; a node-file URI
 * (`test:///abs/path/node.xml`) gives each connection its own fresh host. `?atomic=none` makes the
 * connection behave like a hypervisor without group snapshots.
 */
export class TestDriver implements HypervisorDriver {
  readonly scheme = 'test';
  private defaultNode: TestNode | undefined;

  constructor(private readonly environment: DriverEnvironment) {}

  async open(uri: ConnectionUri): Promise<DriverConnection> {
    const atomicMode = parseAtomicMode(uri);
    const node = uri.path === '/default' ? this.sharedDefault() : this.loadNodeFile(uri.path);
    return {
      uri: uri.text,
      capabilities: testCapabilities(atomicMode),
      handlers: testHandlers(node, atomicMode),
      jobScope: node,
      close: async () => undefined,
    };
  }

  async shutdown(): Promise<void> {
    this.defaultNode = undefined;
  }

  private sharedDefault(): TestNode {
    this.defaultNode ??= this.createNode(parseNodeConfig(DEFAULT_NODE_XML, () => '', TestNode.generateUuid));
    return this.defaultNode;
  }

  /** Reads a node file, only from the configured directories (after resolving symlinks). */
  private loadNodeFile(path: string): TestNode {
    const denied = () =>
      VirError.report(ErrorNumber.OperationDenied, ErrorDomain.Test, `node file '${path}' is not in a directory this daemon serves test configurations from`);
    const read = (file: string): string => {
      let real: string;
      try {
        real = realpathSync(file);
      } catch {
        throw VirError.report(ErrorNumber.OpenFailed, ErrorDomain.Test, `Failed to open file '${file}': No such file or directory`);
      }
      if (!this.environment.nodeFileRoots.some((root) => within(safeRealpath(root), real))) throw denied();
      const text = readFileSync(real, 'utf8');
      if (text.length > NODE_FILE_MAX_BYTES) {
        throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Test, `node file '${file}' is too large`);
      }
      return text;
    };
    if (!path.startsWith('/')) throw denied();
    const xml = read(path);
    const config = parseNodeConfig(xml, (name) => read(resolve(dirname(path), name)), TestNode.generateUuid);
    return this.createNode(config);
  }

  /** A host whose simulated storage creates files only inside the daemon's and the node file's storage roots. */
  private createNode(config: NodeConfig): TestNode {
    return new TestNode(config, pathPolicy(this.environment.storageRoots ?? [], config.roots ?? [], ErrorDomain.Test));
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function parseAtomicMode(uri: ConnectionUri): AtomicMode {
  const value = uri.query.get('atomic') ?? 'group';
  if (value !== 'group' && value !== 'none') {
    throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.Test, `unknown atomic mode '${value}' in URI ${uri.text}`);
  }
  return value;
}
