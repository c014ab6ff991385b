// docs/vwsh.md is generated from vwsh's command table: the committed manual must be what the table says today.
import { COMMANDS, vwshManual } from '@virtwire/cli';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('is up to date with the command table (regenerate with npm run docs:vwsh)', () => {
  const committed = readFileSync(fileURLToPath(new URL('../../docs/vwsh.md', import.meta.url)), 'utf8');
  expect(committed, 'docs/vwsh.md is stale: run `npm run docs:vwsh`').toBe(vwshManual(COMMANDS));
});

it('has a section for every command, with the page `vwsh help COMMAND` prints', () => {
  const manual = vwshManual(COMMANDS);
  for (const command of COMMANDS) {
    expect(manual).toContain(`\n### ${command.name}\n`);
    expect(manual).toContain(`    ${command.name} - ${command.summary}\n`);
  }
});
