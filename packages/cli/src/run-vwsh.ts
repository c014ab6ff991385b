// runVwsh: parses vwsh's command line, then runs its command chain, or the line shell when none is given; returns virsh's exit status.
import { DEFAULT_DRIVER_URI } from '@virtwire/client';
import { COMMANDS } from './commands/command-table.js';
import { parseGlobalOptions, usage, vwshLongVersion, vwshVersion } from './global-options.js';
import { CommandGroups, type CommandGroup } from './shell/command-definition.js';
import { groupHelp } from './shell/command-help.js';
import { tokenizeArgv, tokenizeCommandString } from './shell/command-tokens.js';
import { runLineShell } from './shell/line-shell.js';
import { ShellSession } from './shell/shell-session.js';
import { ShellOutput, type TextSink } from './shell/shell-output.js';

/** Where vwsh writes and what it reads from its environment. */
export interface VwshIo {
  stdout: TextSink;
  stderr: TextSink;
  /** `VIRTWIRE_DEFAULT_URI`, `TZ`, and what the SDK reads to find the local daemon; `process.env` by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where commands come from when none are given: a terminal (interactive) or a pipe (one command line a line). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /**
   * Called when commands start running on an open connection (not for `--version`, `--help`, a
   * syntax error, a failed connection or a chain that needs none), with their names (none for the line
   * shell, whose commands are not known yet): the vwsh binary then has run enough of itself for its
   * code cache to be worth writing, and the names tell whether it covers them.
   */
  onCommandsRun?: (commands: readonly string[]) => void;
}

/**
 * Runs vwsh as virsh runs: `argv` is what follows the program name. The whole chain is parsed
 * first (a syntax error runs nothing and exits 1); then each command runs in turn, a failed one
 * printing `error: ...` and the chain going on; after every command a blank line is printed unless
 * quiet. The exit status is that of the last command: 0 or 1. Without a command, vwsh reads
 * command lines from stdin (see runLineShell): interactively on a terminal, one a line from a pipe.
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
  const out = new ShellOutput(io.stdout, io.stderr, request.quiet);
  const session = new ShellSession(COMMANDS, out, env, request.uri ?? env.VIRTWIRE_DEFAULT_URI ?? DEFAULT_DRIVER_URI, request.readOnly);
  try {
    if (request.command.length === 0) {
      // As virsh: the interactive shell connects first, and does not start without a connection.
      if (!(await session.open())) return 1;
      io.onCommandsRun?.([]);
      return await runLineShell(
        session,
        { stdin: io.stdin ?? process.stdin, stdout: io.stdout, env },
        { quiet: request.quiet, readOnly: request.readOnly, commands: COMMANDS },
      );
    }
    const tokens = request.command.length === 1 ? tokenizeCommandString(request.command[0]!) : tokenizeArgv(request.command);
    const chain = session.parse(tokens);
    if (!chain) return 1;
    // As virsh: a URI given with -c is connected to first, whatever the commands need.
    if (request.uri !== undefined || chain.some((c) => c.definition.needsConnection !== false)) {
      if (!(await session.open())) return 1;
      io.onCommandsRun?.(chain.map((command) => command.definition.name));
    }
    return (await session.run(chain)) ? 0 : 1;
  } finally {
    await session.close();
  }
}
