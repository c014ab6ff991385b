// The typed API reference builds from the doc comments without a warning (TypeDoc with --emit none; npm run docs writes it).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

it('builds with no warning: every link resolves, every linked name is exported', { timeout: 300_000 }, async () => {
  const { stdout, stderr } = await run(process.execPath, [join(REPO, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--treatWarningsAsErrors'], {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(`${stdout}${stderr}`).not.toMatch(/\[(warning|error)\]/);
});
