// The import boundaries of eslint.config.js refuse what they promise to refuse, and let the rest through.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The rule ids ESLint reports for `code` as if it were the file at `path` (relative to the repository). */
async function violations(eslint: ESLint, path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('import boundaries', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: root });
  });

  it.each([
    ['packages/protocol/src/xml/bad.ts', "import { readFileSync } from 'node:fs';"],
    ['packages/protocol/src/xml/bad.ts', "import { EventEmitter } from 'events';"],
    ['packages/protocol/src/bad.ts', "import { connect } from '@virtwire/client';"],
    ['packages/runtime/src/bad.ts', "import { methods } from '@virtwire/protocol';"],
    ['packages/runtime/src/bad.ts', "import os from 'node:os';"],
    ['packages/client/src/core/bad.ts', "import WebSocket from 'ws';"],
    ['packages/client/src/core/bad.ts', "import type { Socket } from 'node:net';"],
    ['packages/client/src/index.ts', "import { Buffer } from 'node:buffer';"],
    ['packages/client/src/node.ts', "import { startDaemon } from '@virtwire/server';"],
    ['packages/cli/src/commands/bad.ts', "import { methods } from '@virtwire/protocol';"],
    ['packages/cli/src/commands/bad.ts', "import { startDaemon } from '@virtwire/server';"],
    ['packages/server/src/rpc/bad.ts', "import { connect } from '@virtwire/client';"],
    ['packages/server/src/drivers/qemu/bad.ts', "import { QmpClient } from './engine/qmp-client.js';"],
    ['packages/server/src/drivers/qemu/engine/bad.ts', "import { ErrorNumber } from '@virtwire/protocol';"],
    ['packages/server/src/drivers/qemu/engine/bad.ts', "import { planSnapshot } from '../snapshot-plan.js';"],
    ['packages/server/src/rpc/bad.ts', "import { x } from '../../../protocol/src/index.js';"],
    ['packages/server/test/state/bad.test.ts', "import { methods } from '../../../protocol/src/index.js';"],
    ['test/e2e/bad.test.ts', "import { TestDriver } from '../../packages/server/src/drivers/test-driver/test-driver.js';"],
    ['bench/bad.mjs', "import { connect } from '../packages/client/dist/node.js';"],
  ])('%s: refuses %s', async (path, code) => {
    expect(await violations(eslint, path, `${code}\n`)).toContain('no-restricted-imports');
  });

  it.each([
    ['packages/protocol/src/xml/fine.ts', "import { VirError } from '../errors/vir-error.js';"],
    ['packages/client/src/node.ts', "import { readFileSync } from 'node:fs';"],
    ['packages/client/src/core/fine.ts', "import { methods } from '@virtwire/protocol';"],
    ['packages/cli/src/commands/fine.ts', "import { connect } from '@virtwire/client';"],
    ['packages/server/src/drivers/qemu/fine.ts', "import { QmpClient } from './engine/index.js';"],
    ['packages/server/src/drivers/qemu/engine/fine.ts', "import { QmpError } from './errors.js';"],
    ['packages/server/test/qemu-engine/fine.test.ts', "import { QmpClient } from '../../src/drivers/qemu/engine/index.js';"],
    ['test/e2e/fine.test.ts', "import { TestDriver } from '@virtwire/server/testing';"],
  ])('%s: allows %s', async (path, code) => {
    expect(await violations(eslint, path, `${code}\n`)).not.toContain('no-restricted-imports');
  });
});
