// Parses a chain of commands with virsh's option rules (vshCommandParse): named, `=`, positional and `--` data.
import type { CommandDefinition, OptionDefinition } from './command-definition.js';
import type { CommandToken } from './command-tokens.js';
import { ParsedOptions, type GivenOption } from './parsed-options.js';
import { CommandLineError } from './shell-errors.js';

/** One parsed command, ready to run. */
export interface ParsedCommand {
  readonly definition: CommandDefinition;
  readonly options: ParsedOptions;
}

/** The option every command accepts: `--help` turns the command into `help COMMAND`. */
const HELP_OPTION: OptionDefinition = { name: 'help', type: 'bool', help: 'print help for this command' };

/** Options that take a positional value, in declaration order (virsh's `opts_need_arg` bits). */
function positionalOptions(definition: CommandDefinition): OptionDefinition[] {
  return definition.options.filter((o) => o.type !== 'bool' && !o.namedOnly);
}

/** Reads words one at a time, so a later tokenizer error never hides an earlier parse error. */
class WordReader {
  private readonly iterator: Iterator<CommandToken>;
  /** True once the whole input is consumed. */
  done = false;

  constructor(tokens: Iterable<CommandToken>) {
    this.iterator = tokens[Symbol.iterator]();
  }

  /** The next word of the current command, or undefined at its end (or the end of the input). */
  next(): string | undefined {
    const step = this.iterator.next();
    if (step.done) {
      this.done = true;
      return undefined;
    }
    return step.value.kind === 'word' ? step.value.text : undefined;
  }
}

/** Parses one command whose name was just read; reads its words up to the command's end. */
function parseOne(name: string, reader: WordReader, commands: ReadonlyMap<string, CommandDefinition>): ParsedCommand | undefined {
  if (name.startsWith('#')) {
    while (reader.next() !== undefined);
    return undefined;
  }
  const definition = commands.get(name);
  if (!definition) throw new CommandLineError(`unknown command: '${name}'`);
  const isHelp = definition.name === 'help';
  const pending = positionalOptions(definition);
  const seen = new Set<OptionDefinition>();
  const given: GivenOption[] = [];
  let dataOnly = false;
  let wantsHelp = false;

  for (let word = reader.next(); word !== undefined; word = reader.next()) {
    if (!dataOnly && word.startsWith('--') && /^[A-Za-z0-9]$/.test(word[2] ?? '')) {
      const eq = word.indexOf('=');
      const optionName = eq === -1 ? word.slice(2) : word.slice(2, eq);
      const inline = eq === -1 ? undefined : word.slice(eq + 1);
      const option: OptionDefinition | undefined = optionName === 'help' ? HELP_OPTION : definition.options.find((o) => o.name === optionName);
      if (!option) {
        if (isHelp) continue;
        throw new CommandLineError(`command '${definition.name}' doesn't support option --${optionName}`);
      }
      if (option !== HELP_OPTION) {
        if (seen.has(option) && option.type !== 'argv') throw new CommandLineError(`option --${optionName} already seen`);
        seen.add(option);
      }
      if (option.type === 'bool') {
        if (inline !== undefined) throw new CommandLineError(`invalid '=' after option --${option.name}`);
        if (option === HELP_OPTION) wantsHelp = true;
        else given.push({ definition: option, value: undefined });
        continue;
      }
      const value = inline ?? reader.next();
      if (value === undefined) throw new CommandLineError(`expected syntax: --${option.name} <string>`);
      if (option.type !== 'argv') {
        const at = pending.indexOf(option);
        if (at !== -1) pending.splice(at, 1);
      }
      given.push({ definition: option, value });
      continue;
    }
    if (!dataOnly && word === '--') {
      dataOnly = true;
      continue;
    }
    const option = pending[0];
    if (!option) {
      if (isHelp) continue;
      throw new CommandLineError(`unexpected data '${word}'`);
    }
    if (option.type !== 'argv') pending.shift();
    seen.add(option);
    given.push({ definition: option, value: word });
  }

  if (wantsHelp) {
    const help = commands.get('help')!;
    return { definition: help, options: new ParsedOptions([{ definition: help.options[0]!, value: definition.name }]) };
  }
  const missing = definition.options.filter((o) => o.required && !seen.has(o));
  if (missing.length > 0) {
    throw new CommandLineError(
      missing.map((o) =>
        o.namedOnly ? `command '${definition.name}' requires --${o.name} option` : `command '${definition.name}' requires <${o.name}> option`,
      ),
    );
  }
  return { definition, options: new ParsedOptions(given) };
}

/**
 * Parses every command of a chain before any runs, as virsh does: the first syntax error aborts
 * the whole chain. Empty commands (`;;`) and comments are skipped.
 */
export function parseCommandChain(tokens: Iterable<CommandToken>, commands: readonly CommandDefinition[]): ParsedCommand[] {
  const byName = new Map(commands.map((c) => [c.name, c]));
  const reader = new WordReader(tokens);
  const parsed: ParsedCommand[] = [];
  while (!reader.done) {
    const name = reader.next();
    if (name === undefined) continue;
    const command = parseOne(name, reader, byName);
    if (command) parsed.push(command);
  }
  return parsed;
}
