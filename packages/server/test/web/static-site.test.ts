// The web console's files are read on their first request, not at start: a file changed before then is served as it is then, and one read is kept.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticSite } from '../../src/web/static-site.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

let root: string;
let server: Server | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vw-site-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><p>first</p>');
  writeFileSync(join(root, 'assets', 'app-abcdefgh.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
});

afterEach(() => {
  server?.close();
  server = undefined;
  rmSync(root, { recursive: true, force: true });
});

/** Serves `site` on a loopback port; resolves with a GET function. */
async function serve(site: StaticSite): Promise<(path: string, headers?: Record<string, string>) => Promise<Answer>> {
  server = createServer((req, res) => site.answer(req, res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return (path, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
}

describe('StaticSite', () => {
  it('reads a file on its first request, not at load, and keeps what it read', async () => {
    const site = StaticSite.load(root);
    expect(site.size).toBe(2);
    writeFileSync(join(root, 'index.html'), '<!doctype html><p>second</p>');
    const get = await serve(site);
    const first = await get('/');
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe('<!doctype html><p>second</p>');
    writeFileSync(join(root, 'index.html'), '<!doctype html><p>third</p>');
    const again = await get('/');
    expect(again.body.toString()).toBe('<!doctype html><p>second</p>');
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it('gzips on request, answers 304 to its ETag, and 404 for a file gone before its first request', async () => {
    const site = StaticSite.load(root);
    const get = await serve(site);
    const plain = await get('/assets/app-abcdefgh.js');
    const zipped = await get('/assets/app-abcdefgh.js', { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect((await get('/assets/app-abcdefgh.js', { 'if-none-match': String(plain.headers.etag) })).status).toBe(304);
    rmSync(join(root, 'index.html'));
    expect((await get('/')).status).toBe(404);
    writeFileSync(join(root, 'index.html'), '<!doctype html><p>back</p>');
    expect((await get('/')).body.toString()).toBe('<!doctype html><p>back</p>');
    expect((await get('/assets/other-abcdefgh.js')).status).toBe(404);
  });
});
