// vwsh without a command: an interactive prompt on a terminal (history, completion), or one command line a line from a pipe.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface, type Completer } from 'node:readline';
import type { CommandDefinition } from './command-definition.js';
import { tokenizeCommandString } from './command-tokens.js';
import type { ShellSession } from './shell-session.js';
import type { TextSink } from './shell-output.js';

/** Lines of history kept (virsh keeps 500). */
const HISTORY_LINES = 500;

/** The banner virsh prints in interactive mode, in vwsh's name. */
export const WELCOME = "Welcome to vwsh, the virtualization interactive terminal.\n\nType:  'help' for help with commands\n       'quit' to quit\n\n";

/** `vwsh # `, or `vwsh > ` on a read-only connection (virsh's prompts). */
export const prompt = (readOnly: boolean) => (readOnly ? 'vwsh > ' : 'vwsh # ');

/** Where the history lives: `$XDG_CACHE_HOME/vwsh/history`, else `~/.cache/vwsh/history`. */
export function historyFile(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), '.cache'), 'vwsh', 'history');
}

/** Completes the command name first, then the options of the command being typed; a single match gets its trailing space. */
export function completer(commands: readonly CommandDefinition[]): Completer {
  const complete = inner(commands);
  return (line: string) => {
    const [matches, word] = complete(line);
    return [matches.length === 1 ? [`${matches[0]} `] : matches, word];
  };
}

function inner(commands: readonly CommandDefinition[]): (line: string) => [string[], string] {
  return (line: string) => {
    const command = line.slice(line.lastIndexOf(';') + 1).trimStart();
    const words = command.split(/\s+/);
    const current = words[words.length - 1] ?? '';
    if (words.length <= 1) {
      const names = commands.map((c) => c.name).filter((n) => n.startsWith(current));
      return [names.length > 0 ? names : commands.map((c) => c.name), current];
    }
    const definition = commands.find((c) => c.name === words[0]);
    if (!definition || (current !== '' && !current.startsWith('-'))) return [[], current];
    const options = [...definition.options.map((o) => `--${o.name}`), '--help'].filter((o) => o.startsWith(current) && !words.slice(1, -1).includes(o));
    return [options, current];
  };
}

/** What the line shell reads from and writes to. */
export interface LineShellIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: TextSink;
  env: Readonly<Record<string, string | undefined>>;
}

/** Runs one typed line: a `;`-separated chain, parsed then run (a syntax error runs nothing). */
async function runLine(session: ShellSession, line: string): Promise<void> {
  const chain = session.parse(tokenizeCommandString(line));
  if (chain) await session.run(chain);
}

/**
 * Reads command lines until `quit`, `exit` or the end of input, as virsh's interactive mode:
 * banner, prompt, each line run in turn; errors do not end it, and it exits 0. On a terminal the
 * line editor gives history (kept in {@link historyFile}) and completion from the command table;
 * from a pipe each line is echoed after the prompt, as virsh's readline echoes it.
 */
export async function runLineShell(
  session: ShellSession,
  io: LineShellIo,
  options: { quiet: boolean; readOnly: boolean; commands: readonly CommandDefinition[] },
): Promise<number> {
  if (!options.quiet) io.stdout.write(WELCOME);
  const terminal = io.stdin.isTTY === true && typeof (io.stdout as Partial<NodeJS.WritableStream>).on === 'function';
  if (terminal) return runTerminal(session, io, options);
  const lines = createInterface({ input: io.stdin, terminal: false, crlfDelay: Infinity });
  io.stdout.write(prompt(options.readOnly));
  for await (const line of lines) {
    io.stdout.write(`${line}\n`);
    await runLine(session, line);
    if (session.quitting) break;
    io.stdout.write(prompt(options.readOnly));
  }
  lines.close();
  io.stdout.write('\n');
  return 0;
}

async function runTerminal(session: ShellSession, io: LineShellIo, options: { readOnly: boolean; commands: readonly CommandDefinition[] }): Promise<number> {
  const file = historyFile(io.env);
  let history: string[] = [];
  try {
    history = readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_LINES);
  } catch {
    // no history yet
  }
  const rl = createInterface({
    input: io.stdin,
    output: io.stdout as NodeJS.WritableStream,
    terminal: true,
    history,
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: false,
    completer: completer(options.commands),
    prompt: prompt(options.readOnly),
  });
  rl.prompt();
  for await (const line of rl) {
    rl.pause();
    await runLine(session, line);
    if (session.quitting) break;
    rl.resume();
    rl.prompt();
  }
  const kept = (rl as unknown as { history: string[] }).history;
  rl.close();
  io.stdout.write('\n');
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${[...kept].reverse().join('\n')}\n`, { mode: 0o600 });
  } catch {
    // history is a convenience: an unwritable cache directory does not fail the session
  }
  return 0;
}
