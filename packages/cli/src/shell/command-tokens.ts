// Splits vwsh's input into words and command ends the way virsh does: one string with quotes, or argv as is.
import { CommandLineError } from './shell-errors.js';

/** A word of a command line, or the end of one command in a `;`-separated chain. */
export type CommandToken = { readonly kind: 'word'; readonly text: string } | { readonly kind: 'end' };

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * Tokenizes one command string as virsh's `vshCommandStringGetArg`: blanks separate words, `;` or
 * a newline ends a command, a word starting with `#` comments out the rest of the line, `'...'`
 * quotes literally (an unterminated single quote runs to the end), `"..."` quotes with `\`
 * escapes, and `\` escapes one character outside single quotes. Errors (`missing "`,
 * `dangling \`) are raised when the tokenizer reaches them, so earlier syntax errors win.
 */
export function* tokenizeCommandString(input: string): Generator<CommandToken> {
  let p = 0;
  for (;;) {
    while (isBlank(input[p]) || (input[p] === '\\' && input[p + 1] === '\n')) p += input[p] === '\\' ? 2 : 1;
    if (p >= input.length) return;
    const c = input[p];
    if (c === ';' || c === '\n') {
      p++;
      yield { kind: 'end' };
      continue;
    }
    if (c === '#') {
      while (p < input.length && input[p] !== '\n') p++;
      if (p < input.length) p++;
      yield { kind: 'end' };
      continue;
    }
    let word = '';
    let single = false;
    let double = false;
    while (p < input.length) {
      const ch = input[p]!;
      if (!single && !double && (isBlank(ch) || ch === ';' || ch === '\n')) break;
      if (!double && ch === "'") {
        single = !single;
        p++;
        continue;
      }
      if (!single && ch === '\\') {
        p++;
        if (p >= input.length) throw new CommandLineError('dangling \\');
        if (input[p] === '\n') {
          p++;
          continue;
        }
      } else if (!single && ch === '"') {
        double = !double;
        p++;
        continue;
      }
      word += input[p];
      p++;
    }
    if (double) throw new CommandLineError('missing "');
    yield { kind: 'word', text: word };
  }
}

/** The tokens of argv mode (`vwsh cmd arg...`): every argument is one word, and there is one command. */
export function* tokenizeArgv(args: readonly string[]): Generator<CommandToken> {
  for (const text of args) yield { kind: 'word', text };
}
