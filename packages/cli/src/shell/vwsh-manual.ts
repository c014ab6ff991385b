// vwsh's manual in Markdown, generated from the command table: the usage, then every command's help page as vwsh prints it.
import { usage } from '../global-options.js';
import { CommandGroups, type CommandDefinition, type CommandGroup } from './command-definition.js';
import { commandHelp, groupHelp } from './command-help.js';

/**
 * The manual (docs/vwsh.md): what `vwsh --help` prints, and what `vwsh help COMMAND` prints for each
 * command, grouped. Nothing is written twice: a command added to the table appears here once the
 * manual is generated again (`npm run docs:vwsh`), and a test fails until it is.
 */
export function vwshManual(commands: readonly CommandDefinition[]): string {
  const groups = (Object.keys(CommandGroups) as CommandGroup[]).filter((g) => commands.some((c) => c.group === g));
  const fence = (text: string) => `\`\`\`text\n${text.replace(/^\n+/, '').replace(/\s+$/, '')}\n\`\`\`\n`;
  let text = `# vwsh manual

<!-- Generated from vwsh's command table (packages/cli/src/commands/command-table.ts) by \`npm run docs:vwsh\`: edit the table, not this file. -->

vwsh is virtwire's virsh-compatible shell: the same command names, options, output lines and exit
codes as virsh for the commands it implements, over virtwire. \`-c URI\` picks the daemon and driver
(\`test:///default\` on the local unix socket, \`test+ws://127.0.0.1:16520/default\` over TCP, where
the token comes from \`$VIRTWIRE_TOKEN\` or \`~/.config/virtwire/token\`); without it vwsh uses
\`$VIRTWIRE_DEFAULT_URI\`, then the local daemon. Commands are given as arguments or as one
\`;\`-separated string; the exit status is that of the last command (0 or 1).

## Usage

${fence(usage((Object.keys(CommandGroups) as CommandGroup[]).map((g) => groupHelp(g, commands, false)).join('')))}`;
  for (const group of groups) {
    const { title, keyword } = CommandGroups[group];
    text += `\n## ${title} (\`help ${keyword}\`)\n`;
    for (const command of commands.filter((c) => c.group === group)) text += `\n### ${command.name}\n\n${fence(commandHelp(command))}`;
  }
  return text;
}
