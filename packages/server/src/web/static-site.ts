// The web console's files, listed at start and each read and compressed on its first request: index.html and content-hashed assets, with a strict CSP.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { gzip, type ZlibOptions } from 'node:zlib';

/** zlib's gzip in libuv's thread pool, as a promise (zlib is loaded by the first request, not at start: scripts/lazy-builtins.mjs). */
const gzipAsync = (body: Buffer, options: ZlibOptions) =>
  new Promise<Buffer>((resolve, reject) => gzip(body, options, (error, zipped) => (error ? reject(error) : resolve(zipped))));

/** Most files the console may have (it has a handful). */
const MAX_FILES = 200;
/** Most bytes they may take together, uncompressed. */
const MAX_TOTAL_BYTES = 16 * 1024 * 1024;

/**
 * The Content-Security-Policy of every response: scripts and styles from this origin only (no inline
 * script or style, no eval), WebSocket and fetch to this origin only (CSP Level 3's 'self' covers
 * ws:/wss: on the same host and port), no plugins, no framing, no base or form targets.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every answer carries. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Each request on its own socket: the admission gate counts a socket as pending until it closes.
  connection: 'close',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** A file as served: its bytes, gzipped when that is smaller, and its ETag. */
interface PreparedFile {
  body: Buffer;
  gzip?: Buffer;
  etag: string;
}

interface StaticFile {
  /** Where it is read from. */
  file: string;
  type: string;
  /** Content-hashed assets never change under their name. */
  immutable: boolean;
  /** Read and compressed on the first request (off the event loop), then kept; reset when reading failed. */
  prepared?: Promise<PreparedFile>;
}

/** Reads `file` and compresses it when it is text (gzip level 9, in libuv's thread pool). */
async function prepare(file: string, type: string): Promise<PreparedFile> {
  const body = await readFile(file);
  const compressible = type.startsWith('text/') || type === 'image/svg+xml' || type === 'application/json';
  const zipped = compressible ? await gzipAsync(body, { level: 9 }) : undefined;
  return {
    body,
    ...(zipped && zipped.length < body.length ? { gzip: zipped } : {}),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

/**
 * The console's files by URL path (`/`, `/assets/index-0Md2gd86.js`). Start-up only lists them: a
 * daemon whose console is never opened neither reads nor compresses them, nor holds them in memory.
 */
export class StaticSite {
  private constructor(private readonly files: ReadonlyMap<string, StaticFile>) {}

  /**
   * Lists `root` (Vite's dist: index.html and assets/): index.html answers `/`, each asset its path.
   * Files of unknown types are left out; more than {@link MAX_FILES} files or {@link MAX_TOTAL_BYTES}
   * bytes, or no index.html, is an error.
   */
  static load(root: string): StaticSite {
    const files = new Map<string, StaticFile>();
    let total = 0;
    const add = (path: string, file: string, immutable: boolean) => {
      const type = TYPES[extname(file)];
      if (!type) return;
      if (files.size >= MAX_FILES) throw new Error(`web console in ${root} has more than ${MAX_FILES} files`);
      total += statSync(file).size;
      if (total > MAX_TOTAL_BYTES) throw new Error(`web console in ${root} is larger than ${MAX_TOTAL_BYTES} bytes`);
      files.set(path, { file, type, immutable });
    };
    add('/', join(root, 'index.html'), false);
    if (!files.has('/')) throw new Error(`no index.html in ${root}`);
    const assets = join(root, 'assets');
    let names: string[] = [];
    try {
      names = statSync(assets).isDirectory() ? readdirSync(assets) : [];
    } catch {
      // A console without assets is odd but servable.
    }
    for (const name of names.sort()) {
      if (/^[A-Za-z0-9._-]+$/.test(name) && statSync(join(assets, name)).isFile()) add(`/assets/${name}`, join(assets, name), true);
    }
    return new StaticSite(files);
  }

  /** Number of files served (for the start-up log). */
  get size(): number {
    return this.files.size;
  }

  /**
   * Answers one plain HTTP request: GET or HEAD of a known path (gzip when the client accepts it,
   * 304 for a matching If-None-Match), 404 for other paths, 405 for other methods. No file needs a
   * token: the console holds no secret, and every API call it makes needs one.
   */
  answer(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const path = (request.url ?? '/').split('?')[0]!;
    const file = this.files.get(path === '/index.html' ? '/' : path);
    if (!file) {
      notFound(response);
      return;
    }
    file.prepared ??= prepare(file.file, file.type);
    file.prepared
      .then(
        (prepared) => send(request, response, file, prepared),
        () => {
          // Gone or unreadable since start: say so, and read it afresh next time.
          file.prepared = undefined;
          notFound(response);
        },
      )
      .catch(() => response.destroy());
  }
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
}

/** Answers with a prepared file: 304 for a matching If-None-Match, gzip when the client accepts it. */
function send(request: IncomingMessage, response: ServerResponse, file: StaticFile, prepared: PreparedFile): void {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'content-type': file.type,
    etag: prepared.etag,
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'Accept-Encoding',
  };
  if (request.headers['if-none-match'] === prepared.etag) {
    response.writeHead(304, headers).end();
    return;
  }
  const gzip = prepared.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? prepared.gzip : undefined;
  const body = gzip ?? prepared.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = String(body.length);
  response.writeHead(200, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}
