// @virtwire/cli: vwsh, virtwire's virsh-compatible shell, as a library (runVwsh) and a binary (main.ts).
export { runVwsh, type VwshIo } from './run-vwsh.js';
export { COMMANDS } from './commands/command-table.js';
export type { CommandDefinition, OptionDefinition } from './shell/command-definition.js';
export type { TextSink } from './shell/shell-output.js';
