// virtwired serves the web console: static files without a token and with a strict CSP, its own origin let in, foreign origins and missing tokens kept out, --no-web.
import { startDaemon, tokenEntry } from '@virtwire/server';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { spawnDaemon } from '../helpers/daemon-process.js';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { makeTlsFixtures } from '../security/support/tls-fixtures.js';
import { WEB_ROOT } from './console-browser.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The HTTP status of a WebSocket upgrade with this Origin and token (101 when it opened). */
function upgradeStatus(wsAddress: string, origin: string, token?: string, ca?: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const protocols = ['virtwire.v1', ...(token ? [`bearer.virtwire.${token}`] : [])];
    const socket = new WebSocket(wsAddress, protocols, { origin, ...(ca ? { ca } : {}) });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('the web console served by virtwired', () => {
  let server: TestDaemon;
  let base: string;

  beforeAll(async () => {
    server = await startTestDaemon({ web: { root: WEB_ROOT } });
    base = server.wsAddress.replace(/^ws:/, 'http:');
  });
  afterAll(() => server?.close());

  it('serves index.html at / without a token, with a strict CSP and no inline script', async () => {
    const page = await get(base, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
    const html = page.body.toString();
    // Every script has a src: none is inline.
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [tag, body] of scripts) {
      expect(tag).toMatch(/\bsrc="\/assets\/[^"]+-[A-Za-z0-9_-]{8}\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('serves content-hashed assets, immutable, gzipped on request, and nothing else', async () => {
    const assets = readdirSync(join(WEB_ROOT, 'assets'));
    expect(assets.length).toBeGreaterThan(1);
    for (const name of assets) {
      expect(name).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css|svg)$/);
      const plain = await get(base, `/assets/${name}`);
      expect(plain.status).toBe(200);
      expect(plain.headers['cache-control']).toContain('immutable');
      const zipped = await get(base, `/assets/${name}`, { 'accept-encoding': 'gzip' });
      // Files too small to shrink (the icon) go as they are.
      if (plain.body.length > 1024) {
        expect(zipped.headers['content-encoding'], name).toBe('gzip');
        expect(zipped.body.length).toBeLessThan(plain.body.length);
      }
      expect((await get(base, `/assets/${name}`, { 'if-none-match': String(plain.headers.etag) })).status).toBe(304);
    }
    expect((await get(base, '/assets/../../package.json')).status).toBe(404);
    expect((await get(base, '/src/main.tsx')).status).toBe(404);
    // the licence texts are packed, not served
    expect((await get(base, '/.vite/license.md')).status).toBe(404);
  });

  it('names, in each served script, the third-party packages it bundles and their licences (minifying drops their headers)', async () => {
    const scripts = readdirSync(join(WEB_ROOT, 'assets')).filter((name) => name.endsWith('.js'));
    const served = new Map<string, string>();
    for (const name of scripts) served.set(name, (await get(base, `/assets/${name}`)).body.toString('utf8'));
    const notices = [...served.values()].flatMap((text) => [...(/\/\*! bundles ([^*]*)\*\//.exec(text)?.slice(1) ?? [])]);
    expect(notices.find((n) => n.includes('@novnc/novnc@'))).toMatch(/@novnc\/novnc@[\d.]+ \(MPL-2\.0\)/);
    expect(notices.find((n) => n.includes('@xterm/xterm@'))).toMatch(/@xterm\/xterm@[\d.]+ \(MIT\)/);
    expect(notices.find((n) => n.includes('preact@'))).toMatch(/preact@[\d.]+ \(MIT\)/);
    const licences = readFileSync(join(WEB_ROOT, '.vite', 'license.md'), 'utf8');
    for (const name of ['@novnc/novnc', '@xterm/xterm', 'preact']) expect(licences).toContain(`## ${name} - `);
    expect((await get(base, '/', {}, 'POST')).status).toBe(405);
  });

  it('lets its own origin in with a token, and nobody without one or from elsewhere', async () => {
    const own = base;
    expect(await upgradeStatus(server.wsAddress, own, TEST_TOKEN)).toBe(101);
    expect(await upgradeStatus(server.wsAddress, own.replace('127.0.0.1', 'localhost'), TEST_TOKEN)).toBe(101);
    expect(await upgradeStatus(server.wsAddress, own)).toBe(401);
    expect(await upgradeStatus(server.wsAddress, own, 'vw1_wrong')).toBe(401);
    expect(await upgradeStatus(server.wsAddress, 'http://evil.example', TEST_TOKEN)).toBe(403);
    // A name rebound to this machine is not the console's origin, even with the right port.
    const port = new URL(base).port;
    expect(await upgradeStatus(server.wsAddress, `http://rebound.example:${port}`, TEST_TOKEN)).toBe(403);
    expect(await upgradeStatus(server.wsAddress, `https://127.0.0.1:${port}`, TEST_TOKEN)).toBe(403);
  });

  it('without the console (startDaemon without web), plain HTTP is refused and its origin is foreign', async () => {
    const bare = await startTestDaemon();
    try {
      const answer = await get(bare.wsAddress.replace(/^ws:/, 'http:'), '/');
      expect(answer.status).toBe(426);
      expect(await upgradeStatus(bare.wsAddress, bare.wsAddress.replace(/^ws:/, 'http:'), TEST_TOKEN)).toBe(403);
    } finally {
      await bare.close();
    }
  });

  it('virtwired serves it by default and not with --no-web', async () => {
    for (const [args, status] of [
      [[], 200],
      [['--no-web'], 426],
    ] as const) {
      const dir = `${server.stateDir}-bin-${status}`;
      const daemon = await spawnDaemon(['--state-dir', dir, '--no-local-token', ...args]);
      try {
        const answer = await get(daemon.wsAddress.replace(/^ws:/, 'http:'), '/');
        expect(answer.status, args.join(' ')).toBe(status);
        if (status === 200) expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
      } finally {
        daemon.child.kill('SIGTERM');
        await daemon.exited;
      }
    }
  });

  it('on TLS, its own origin is https:// with the Host the browser asked for', async () => {
    const tls = makeTlsFixtures();
    const secure = await startDaemon({
      listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0, tls: { cert: tls.serverCert, key: tls.serverKey } }],
      stateDir: join(server.stateDir, '..', 'tls-state'),
      tokens: [tokenEntry(TEST_TOKEN, 'rw', 'test')],
      web: { root: WEB_ROOT },
      logLevel: 'silent',
    });
    try {
      const address = secure.addresses[0]!;
      expect(address).toMatch(/^wss:\/\//);
      const origin = address.replace(/^wss:/, 'https:');
      const page = await new Promise<{ status: number; csp: string }>((resolve, reject) => {
        httpsRequest(`${origin}/`, { ca: tls.ca }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, csp: String(res.headers['content-security-policy']) });
        })
          .on('error', reject)
          .end();
      });
      expect(page).toEqual({ status: 200, csp: expect.stringContaining("script-src 'self'") });
      expect(await upgradeStatus(address, origin, TEST_TOKEN, tls.ca)).toBe(101);
      expect(await upgradeStatus(address, origin, undefined, tls.ca)).toBe(401);
      expect(await upgradeStatus(address, origin.replace('https:', 'http:'), TEST_TOKEN, tls.ca)).toBe(403);
      expect(await upgradeStatus(address, 'https://evil.example', TEST_TOKEN, tls.ca)).toBe(403);
    } finally {
      await secure.close();
    }
  });
});
