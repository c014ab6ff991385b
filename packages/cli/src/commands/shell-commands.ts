// virsh's own commands: quit, exit, connect and echo.
import { switchOption, type CommandDefinition } from '../shell/command-definition.js';

const quit = (name: string): CommandDefinition => ({
  name,
  group: 'shell',
  summary: name === 'quit' ? 'quit this interactive terminal' : 'quit this interactive terminal',
  description: 'quit this interactive terminal',
  options: [],
  needsConnection: false,
  async run({ shell }) {
    shell.quit();
  },
});

/** `quit`: ends the chain or the interactive session. */
export const quitCommand = quit('quit');
/** `exit`: the same as quit. */
export const exitCommand = quit('exit');

/** `connect [NAME] [--readonly]`: (re)connects the session. */
export const connectCommand: CommandDefinition = {
  name: 'connect',
  group: 'shell',
  summary: '(re)connect to hypervisor',
  description: 'Connect to local hypervisor. This is built-in command after shell start up.',
  options: [{ name: 'name', type: 'string', emptyOk: true, help: 'hypervisor connection URI' }, switchOption('readonly', 'read-only connection')],
  needsConnection: false,
  async run({ shell }, options) {
    await shell.reconnect(options.string('name'), options.has('readonly'));
  },
};

/** Characters that make virsh's `echo --shell` quote a word (virBufferEscapeShell). */
const SHELL_SPECIAL = /[\t\n !"#$&'()*;<>?[\\\]^`{|}~]/;

function shellQuote(word: string): string {
  if (word === '') return "''";
  if (!SHELL_SPECIAL.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

const xmlEscape = (word: string) =>
  word.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');

/** `a,b,,c` -> `a`, `b,c` (virsh's comma lists: a doubled comma is a comma). */
function splitCommas(word: string): string[] {
  return word
    .split(/,(?!,)/)
    .reduce<string[]>((parts, piece, i, all) => {
      if (i > 0 && all[i - 1]!.endsWith(',')) parts[parts.length - 1] += piece;
      else parts.push(piece);
      return parts;
    }, [])
    .map((part) => part.replaceAll(',,', ','));
}

/** `echo [--shell] [--xml] [--err] [--split] STRING...`: prints its arguments. */
export const echoCommand: CommandDefinition = {
  name: 'echo',
  group: 'shell',
  summary: 'echo arguments. Used for internal testing.',
  description: 'Echo back arguments, possibly with quoting. Used for internal testing.',
  options: [
    switchOption('shell', 'escape for shell use'),
    switchOption('xml', 'escape for XML use'),
    switchOption('err', 'output to stderr'),
    switchOption('split', "split each argument on ','; ',,' is an escape sequence"),
    { name: 'string', type: 'argv', help: 'arguments to echo' },
  ],
  needsConnection: false,
  async run({ out }, options) {
    const words = options.all('string').flatMap((word) => (options.has('split') ? splitCommas(word) : [word]));
    const shown = words.map((word) => {
      let text = word;
      if (options.has('xml')) text = xmlEscape(text);
      if (options.has('shell')) text = shellQuote(text);
      return text;
    });
    // As virsh: no newline of its own (the shell's blank line ends it), but one after each --split piece.
    const text = options.has('split') ? shown.map((piece) => `${piece}\n`).join('') : shown.join(' ');
    if (options.has('err')) out.error(text);
    else out.print(text);
  },
};
