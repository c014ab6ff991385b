// The browser SDK tests' page: the client core bundled as a web app's bundler would, served with a page that puts it on `window`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build, type Rollup } from 'vite';

/** What the test page puts on `window`: the bundled SDK, and flags the test waits for. */
export interface TestWindow {
  sdk: typeof import('@virtwire/client/browser');
  ready?: boolean;
  connected?: boolean;
}

const source = (path: string) => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url));

/**
 * Bundles the client core (no Node entry point) as ES modules: the entry `sdk.js`, and the chunks
 * it imports on demand (the XML parser), by path.
 */
export async function bundleClientCore(): Promise<Map<string, string>> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    resolve: {
      alias: [
        { find: /^@virtwire\/protocol$/, replacement: source('protocol/src/index.ts') },
        { find: /^@virtwire\/protocol\/xml$/, replacement: source('protocol/src/xml.ts') },
        { find: /^@virtwire\/runtime$/, replacement: source('runtime/src/index.ts') },
      ],
    },
    build: {
      write: false,
      minify: false,
      lib: { entry: source('client/src/index.ts'), formats: ['es'], fileName: 'sdk' },
    },
  })) as Rollup.RollupOutput[];
  const chunks = output[0]!.output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
  return new Map(chunks.map((chunk) => [`/${chunk.fileName}`, chunk.code]));
}

const page = `<!doctype html><meta charset="utf-8"><title>virtwire</title>
<script type="module">
  import * as sdk from '/sdk.js';
  window.sdk = sdk;
  window.ready = true;
</script>`;

/** The page's server on loopback: its origin (for the daemon's allowed origins), the bundle it serves, and how to stop it. */
export interface SdkPage {
  origin: string;
  bundle: Map<string, string>;
  close(): Promise<void>;
}

/** Bundles the SDK and serves it with the page on an ephemeral loopback port. */
export async function serveSdkPage(): Promise<SdkPage> {
  const bundle = await bundleClientCore();
  const web = createServer((request, response) => {
    const code = bundle.get(request.url ?? '');
    if (code !== undefined) response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(web.address() as AddressInfo).port}`,
    bundle,
    close: () => new Promise((resolve) => web.close(() => resolve())),
  };
}

/** Loads the page in `tab` and waits until the SDK is on `window`. */
export async function loadSdk(tab: Page, origin: string): Promise<void> {
  await tab.goto(origin);
  await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}
