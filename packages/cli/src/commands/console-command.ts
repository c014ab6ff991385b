// `console DOMAIN [--devname NAME] [--force] [--safe]`: the guest's console on this terminal until Ctrl+], as virsh's console.
import { DomainConsoleFlags } from '@virtwire/client';
import { type CommandDefinition, switchOption } from '../shell/command-definition.js';
import { domainArgument, domainOption } from './domain-argument.js';

/** virsh's default escape character, `^]` (0x1d): typed on the terminal, it ends the console session. */
const ESCAPE = 0x1d;

/**
 * `console`: opens the domain's console (virDomainOpenConsole) and connects it to vwsh's own
 * terminal: stdin (raw mode on a terminal) to the guest, the guest's bytes to stdout, until the
 * escape character is typed, stdin ends, or the stream closes.
 */
export const consoleCommand: CommandDefinition = {
  name: 'console',
  group: 'domain',
  summary: 'connect to the guest console',
  description: 'Connect the virtual serial console for the guest',
  options: [
    domainOption(),
    { name: 'devname', type: 'string', namedOnly: true, help: 'character device name' },
    switchOption('force', 'force console connection (disconnect already connected sessions)'),
    switchOption('safe', 'only connect if safe console handling is supported'),
  ],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options);
    const flags = (options.has('force') ? DomainConsoleFlags.Force : 0) | (options.has('safe') ? DomainConsoleFlags.Safe : 0);
    const stream = await domain.openConsole(options.string('devname') ?? null, flags);
    out.printExtra(`Connected to domain '${domain.name}'\nEscape character is ^] (Ctrl + ])\n`);
    const stdin = process.stdin;
    const raw = stdin.isTTY === true;
    if (raw) stdin.setRawMode(true);
    const onInput = (chunk: Buffer) => {
      const escape = chunk.indexOf(ESCAPE);
      if (escape >= 0) {
        if (escape > 0) stream.write(chunk.subarray(0, escape));
        stream.close();
        return;
      }
      stream.write(chunk);
    };
    const onEnd = () => stream.close();
    stream.onData((chunk) => process.stdout.write(chunk));
    stdin.on('data', onInput);
    stdin.once('end', onEnd);
    stdin.resume();
    try {
      await stream.closed;
    } finally {
      stdin.off('data', onInput);
      stdin.off('end', onEnd);
      stdin.pause();
      if (raw) stdin.setRawMode(false);
    }
    process.stdout.write('\n');
  },
};
