// @virtwire/cli: vwsh, virtwire's virsh-compatible shell, as a library (runVwsh) and a binary (main.ts).
/**
 * vwsh as a library: `runVwsh(argv, io)`, its command table, and its manual.
 * @module @virtwire/cli
 */
export { runVwsh, type VwshIo } from './run-vwsh.js';
export { COMMANDS } from './commands/command-table.js';
export { vwshManual } from './shell/vwsh-manual.js';
export type { CommandDefinition, OptionDefinition } from './shell/command-definition.js';
export type { TextSink } from './shell/shell-output.js';
