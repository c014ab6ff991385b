// runVwsh: parses vwsh's command line, connects once, runs each command of the chain and returns virsh's exit status.
import { connect, DEFAULT_DRIVER_URI, VirError, type Connection } from '@virtwire/client';
import { COMMANDS } from './commands/command-table.js';
import { describeConnectionFailure } from './connection-failure.js';
import { parseGlobalOptions, usage, vwshLongVersion, vwshVersion } from './global-options.js';
import { CommandGroups, type CommandDefinition, type CommandGroup } from './shell/command-definition.js';
import { groupHelp } from './shell/command-help.js';
import { parseCommandChain, type ParsedCommand } from './shell/command-parser.js';
import { tokenizeArgv, tokenizeCommandString } from './shell/command-tokens.js';
import { CommandError, CommandLineError, ReportedFailure } from './shell/shell-errors.js';
import { ShellOutput, type TextSink } from './shell/shell-output.js';

/** Where vwsh writes and what it reads from its environment. */
export interface VwshIo {
  stdout: TextSink;
  stderr: TextSink;
  /** `VIRTWIRE_DEFAULT_URI`, `TZ`, and what the SDK reads to find the local daemon; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Prints a failed command's errors the way virsh's vshReportError and vshError do. */
function reportFailure(out: ShellOutput, error: unknown): void {
  if (error instanceof ReportedFailure) return;
  if (error instanceof CommandError) {
    for (const line of error.before) out.error(line);
    out.error(error.message);
    return;
  }
  out.error(VirError.is(error) || error instanceof Error ? error.message : String(error));
}

/** Opens the connection, printing virsh's two lines when it cannot. */
async function openConnection(out: ShellOutput, uri: string, readOnly: boolean, env: Readonly<Record<string, string | undefined>>): Promise<Connection | undefined> {
  try {
    return await connect(uri, { readOnly }, env);
  } catch (error) {
    out.error('failed to connect to the hypervisor');
    out.error(describeConnectionFailure(error instanceof Error ? error.message : String(error)));
    return undefined;
  }
}

/** A connection for chains that never use one (only `help`): any call would be a bug. */
const NO_CONNECTION = new Proxy({} as Connection, {
  get() {
    throw new Error('this command has no connection');
  },
});

/**
 * Runs vwsh as virsh runs: `argv` is what follows the program name. The whole chain is parsed
 * first (a syntax error runs nothing and exits 1); then each command runs in turn, a failed one
 * printing `error: ...` and the chain going on; after every command a blank line is printed unless
 * quiet. The exit status is that of the last command: 0 or 1.
 */
export async function runVwsh(argv: readonly string[], io: VwshIo): Promise<number> {
  const env = io.env ?? process.env;
  const request = parseGlobalOptions(argv);
  const errors = new ShellOutput(io.stdout, io.stderr, false);
  switch (request.kind) {
    case 'error':
      errors.error(request.message);
      return 1;
    case 'version':
      io.stdout.write(request.long ? vwshLongVersion() : `${vwshVersion()}\n`);
      return 0;
    case 'help':
      io.stdout.write(usage((Object.keys(CommandGroups) as CommandGroup[]).map((g) => groupHelp(g, COMMANDS, false)).join('')));
      return 0;
  }
  if (request.command.length === 0) {
    errors.error('interactive mode is not supported: give a command, or a ;-separated command string');
    return 1;
  }
  const out = new ShellOutput(io.stdout, io.stderr, request.quiet);
  const tokens = request.command.length === 1 ? tokenizeCommandString(request.command[0]!) : tokenizeArgv(request.command);
  let chain: ParsedCommand[];
  try {
    chain = parseCommandChain(tokens, COMMANDS);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    for (const line of error.lines) errors.error(line);
    return 1;
  }

  let connection: Connection | undefined;
  if (chain.some((c) => c.definition.needsConnection !== false)) {
    connection = await openConnection(errors, request.uri ?? env.VIRTWIRE_DEFAULT_URI ?? DEFAULT_DRIVER_URI, request.readOnly, env);
    if (!connection) return 1;
  }
  let ok = true;
  try {
    for (const { definition, options } of chain) {
      ok = await runOne(definition, options, { connection: connection ?? NO_CONNECTION, out, env, commands: COMMANDS });
      out.printExtra('\n');
    }
  } finally {
    await connection?.close();
  }
  return ok ? 0 : 1;
}

async function runOne(definition: CommandDefinition, options: ParsedCommand['options'], context: Parameters<CommandDefinition['run']>[0]): Promise<boolean> {
  try {
    await definition.run(context, options);
    return true;
  } catch (error) {
    reportFailure(context.out, error);
    return false;
  }
}
