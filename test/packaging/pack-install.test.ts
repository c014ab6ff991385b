// The packages as a user gets them: packed with npm pack, installed into a scratch project outside the repository, and used from there.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/daemon-process.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

/** What `npm pack --json` reports for one package. */
interface Packed {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
}

let dir: string;
let app: string;
let packed: Packed[];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'virtwire-pack-'));
  app = join(dir, 'app');
  mkdirSync(app);
  env = {
    ...process.env,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    VIRTWIRE_RUNTIME_DIR: join(dir, 'run'),
    npm_config_update_notifier: 'false',
  };
  delete env.VIRTWIRE_TOKEN;
  const { stdout } = await run('npm', ['pack', '--workspaces', '--pack-destination', dir, '--json'], { cwd: REPO, env, maxBuffer: 64 * 1024 * 1024 });
  packed = JSON.parse(stdout) as Packed[];
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }, null, 2));
  // Third-party dependencies come from npm's cache when it has them (the repository's own install filled it).
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packed.map((p) => join(dir, p.filename))], { cwd: app, env });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it('are the six packages, each with its README, LICENSE and MIT licence', () => {
    expect(packed.map((p) => p.name).sort()).toEqual([
      '@virtwire/cli',
      '@virtwire/client',
      '@virtwire/protocol',
      '@virtwire/runtime',
      '@virtwire/server',
      '@virtwire/web',
    ]);
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths, p.name).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
      expect(
        paths.filter((path) => /(^|\/)test\//.test(path)),
        p.name,
      ).toEqual([]);
      const installed = join(app, 'node_modules', p.name);
      expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).license, p.name).toBe('MIT');
      expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toBe(readFileSync(join(REPO, 'LICENSE'), 'utf8'));
    }
  });

  it('carry source maps that point at files they ship (or embed their sources)', () => {
    for (const p of packed) {
      const shipped = new Set(p.files.map((f) => f.path));
      const root = join(app, 'node_modules', p.name);
      for (const path of shipped) {
        if (!path.endsWith('.map')) continue;
        const map = JSON.parse(readFileSync(join(root, path), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
        map.sources.forEach((source, index) => {
          if (map.sourcesContent?.[index] != null) return;
          const target = relative(root, join(root, path, '..', source));
          expect(shipped.has(target), `${p.name}/${path} names ${source}, which is not in the tarball (stale dist/? rebuild clean)`).toBe(true);
        });
      }
    }
  });

  it('install as real directories in the scratch project, not links into this repository', () => {
    for (const p of packed) expect(realpathSync(join(app, 'node_modules', p.name)).startsWith(app), p.name).toBe(true);
  });
});

describe('used from the scratch project', () => {
  let daemon: ChildProcess;
  let uri: string;
  beforeAll(async () => {
    daemon = spawn(join(app, 'node_modules/.bin/virtwired'), ['--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state')], {
      cwd: app,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const address = await new Promise<string>((resolve, reject) => {
      let log = '';
      daemon.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const match = /"addresses":\["ws:\/\/([^"]+)"/.exec(log);
        if (match) resolve(match[1]!);
      });
      daemon.once('exit', (code) => reject(new Error(`virtwired exited (${code}): ${log}`)));
    });
    uri = `test+ws://${address}/default`;
  }, 60_000);
  afterAll(async () => {
    if (daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
    }
  });

  it('takes a snapshot with the SDK from Node, and reads rpc.discover', async () => {
    writeFileSync(
      join(app, 'snapshot.mjs'),
      `import { connect, DomainSnapshotCreateFlags as Create } from '@virtwire/client';
const conn = await connect(process.argv[2]);
const dom = await conn.domainLookupByName('test');
const snap = await dom.snapshotCreateXML('<domainsnapshot><name>from-a-tarball</name></domainsnapshot>', Create.Atomic);
const discovered = await conn.discover();
console.log(JSON.stringify({
  resolved: import.meta.resolve('@virtwire/client'),
  snapshot: snap.name,
  names: (await dom.listAllSnapshots()).map((s) => s.name),
  openrpc: discovered.openrpc,
  methods: discovered.methods.map((m) => m.name),
}));
await conn.close();
`,
    );
    const { stdout } = await run(process.execPath, ['snapshot.mjs', uri], { cwd: app, env });
    const result = JSON.parse(stdout) as { resolved: string; snapshot: string; names: string[]; openrpc: string; methods: string[] };
    expect(fileURLToPath(result.resolved)).toBe(join(realpathSync(app), 'node_modules/@virtwire/client/dist/node.js'));
    expect(result.snapshot).toBe('from-a-tarball');
    expect(result.names).toContain('from-a-tarball');
    expect(result.openrpc).toMatch(/^1\.\d+\.\d+$/);
    expect(result.methods).toContain('DomainSnapshotCreateXML');
  });

  it('serves the web console from the installed @virtwire/web at /', async () => {
    const response = await fetch(`http://${new URL(uri.replace(/^test\+ws:/, 'http:')).host}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[A-Za-z0-9_-]{8}\.js">/);
  });

  it('runs vwsh from there against the same daemon', async () => {
    // As libvirt's test:///default, the host lives while a connection holds it: one vwsh chain creates and lists.
    const { stdout } = await run(join(app, 'node_modules/.bin/vwsh'), ['-c', uri, 'snapshot-create-as test from-vwsh ; snapshot-list test --name'], {
      cwd: app,
      env,
    });
    expect(stdout).toContain('from-vwsh');
  });
});

describe('a browser TypeScript project (moduleResolution bundler, types: [])', () => {
  const project = (entry: string) => {
    const name = `tsconfig.${entry}.json`;
    writeFileSync(
      join(app, name),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'bundler',
          types: [],
          lib: ['ES2022', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: [`${entry}.ts`],
      }),
    );
    return name;
  };
  const typeCheck = async (tsconfig: string) => {
    try {
      const { stdout } = await run(process.execPath, [TSC, '-p', tsconfig, '--listFiles'], { cwd: app, env });
      return { ok: true, output: stdout };
    } catch (error) {
      return { ok: false, output: (error as { stdout: string }).stdout };
    }
  };

  it('type-checks against the browser typings of @virtwire/client, never node.d.ts or @types/node', async () => {
    writeFileSync(
      join(app, 'browser.ts'),
      `import { connect, DomainSnapshotCreateFlags as Create, VirError, type Connection } from '@virtwire/client';
export async function snapshot(token: string): Promise<string> {
  const conn: Connection = await connect('test+ws://127.0.0.1:16520/default', { token, readOnly: false });
  try {
    const dom = await conn.domainLookupByName('test');
    return (await dom.snapshotCreateXML('<domainsnapshot/>', Create.Atomic)).name;
  } catch (error) {
    if (VirError.is(error)) return error.message;
    throw error;
  } finally {
    await conn.close();
  }
}
// With the Node typings this line would compile, and the directive itself would be the error.
// @ts-expect-error pollMaxUs is an option of the Node entry point only
export const nodeOnly = () => connect('test:///default', { pollMaxUs: 0 });
`,
    );
    const { ok, output } = await typeCheck(project('browser'));
    expect(output).not.toMatch(/error TS/);
    expect(ok).toBe(true);
    const files = output.split('\n');
    expect(files.some((f) => f.endsWith('node_modules/@virtwire/client/dist/index.d.ts'))).toBe(true);
    expect(files.filter((f) => f.endsWith('/node.d.ts') || f.includes('@types/node'))).toEqual([]);
  }, 60_000);
});
