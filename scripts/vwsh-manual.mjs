// Writes docs/vwsh.md from vwsh's command table (run `tsc -b` first; `npm run docs:vwsh` does both).
import { COMMANDS, vwshManual } from '@virtwire/cli';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const target = fileURLToPath(new URL('../docs/vwsh.md', import.meta.url));
writeFileSync(target, vwshManual(COMMANDS));
console.log(`wrote ${target} (${COMMANDS.length} commands)`);
