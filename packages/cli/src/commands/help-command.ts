// help [COMMAND | GROUP]: virsh's help pages for vwsh's commands.
import type { CommandDefinition } from '../shell/command-definition.js';
import { allGroupsHelp, commandHelp, groupByKeyword, groupHelp } from '../shell/command-help.js';
import { CommandError } from '../shell/shell-errors.js';

/** `help [--command] NAME`: the grouped list, a group's commands, or one command's page. */
export const helpCommand: CommandDefinition = {
  name: 'help',
  group: 'shell',
  summary: 'print help',
  description: 'Print the list of commands, the commands of a group, or the help page of one command.',
  options: [{ name: 'command', type: 'string', help: 'a command or a group of commands' }],
  needsConnection: false,
  async run({ out, commands }, options) {
    const name = options.string('command');
    if (name === undefined) {
      out.print(allGroupsHelp(commands));
      return;
    }
    const command = commands.find((c) => c.name === name);
    if (command) {
      out.print(commandHelp(command));
      return;
    }
    const group = groupByKeyword(name);
    if (group) {
      out.print(groupHelp(group, commands));
      return;
    }
    throw new CommandError(`command or command group '${name}' doesn't exist`);
  },
};
