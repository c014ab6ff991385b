// A real virtwired serving the corpus's hosts: test:///default and every node file in one directory, as the recorder laid them out.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uuidsIn, type NormaliseContext } from '../normalise.js';
import { FIXTURE_NODES, startTestDaemon, type TestDaemon } from '../../helpers/virtwired.js';

const CONFORMANCE_NODES = fileURLToPath(new URL('../nodes/', import.meta.url));
const DEFAULT_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';

/** The daemon, its node directory (`@NODES@`) and a directory per case for files (`@FILES@`). */
export interface ReplayHost {
  server: TestDaemon;
  nodesDir: string;
  /** The node files' texts (the fuzz keeps the MAC addresses they name). */
  nodeTexts: readonly string[];
  /** `test+ws://.../default` or the node file's URI. */
  uri(host: string): string;
  /** Writes a case's files into a fresh directory and returns it. */
  caseFiles(id: string, files?: Record<string, string>): string;
  /** The normalisation context of a case with this files directory and these inputs. */
  context(filesDir: string | null, ...inputs: unknown[]): NormaliseContext;
  close(): Promise<void>;
}

export async function startReplayHost(): Promise<ReplayHost> {
  const dir = mkdtempSync(join(tmpdir(), 'vw-replay-'));
  const nodesDir = join(dir, 'nodes');
  mkdirSync(nodesDir);
  const nodeTexts: string[] = [];
  for (const source of [FIXTURE_NODES, CONFORMANCE_NODES]) {
    for (const file of readdirSync(source).filter((f) => f.endsWith('.xml'))) {
      cpSync(join(source, file), join(nodesDir, file));
      nodeTexts.push(readFileSync(join(source, file), 'utf8'));
    }
  }
  const server = await startTestDaemon({ nodeFileRoots: [nodesDir] });
  const stableUuids = [DEFAULT_UUID, ...uuidsIn(...nodeTexts)];
  let count = 0;
  return {
    server,
    nodesDir,
    nodeTexts,
    uri: (host) => (host === 'default' ? server.uri() : server.uri(join(nodesDir, host))),
    caseFiles(id, files = {}) {
      const caseDir = join(dir, 'files', `${count++}-${id.replace(/[^a-z0-9]+/gi, '-')}`);
      mkdirSync(caseDir, { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(caseDir, name), text);
      return caseDir;
    },
    context: (filesDir, ...inputs) => ({
      paths: { ...(filesDir ? { [filesDir]: '@FILES@' } : {}), [nodesDir]: '@NODES@' },
      stableUuids: [...stableUuids, ...uuidsIn(...inputs.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))))],
      hostname: hostname(),
    }),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
