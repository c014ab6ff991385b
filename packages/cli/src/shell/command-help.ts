// Help texts laid out as virsh lays them out: the grouped command list, one group, and one command's page.
import { CommandGroups, type CommandDefinition, type CommandGroup, type OptionDefinition } from './command-definition.js';

/** One option in a SYNOPSIS line (`<domain>`, `[--name <string>]`, `[[--diskspec] <string>]...`). */
function synopsisPart(option: OptionDefinition): string {
  switch (option.type) {
    case 'bool':
      return `[--${option.name}]`;
    case 'data':
      return option.required ? `<${option.name}>` : `[<${option.name}>]`;
    case 'argv':
      return option.required ? `<${option.name}>...` : `[[--${option.name}] <string>]...`;
    case 'string':
      return option.required ? `--${option.name} <string>` : `[--${option.name} <string>]`;
  }
}

/** One option in the OPTIONS list, its form padded to 15 columns then two spaces. */
function optionLine(option: OptionDefinition): string {
  const form = option.type === 'bool' ? `--${option.name}` : option.type === 'string' ? `--${option.name} <string>` : `[--${option.name}] <string>`;
  return `    ${form.padEnd(15)}  ${option.help}\n`;
}

/** `help COMMAND`: NAME, SYNOPSIS, DESCRIPTION and OPTIONS. */
export function commandHelp(command: CommandDefinition): string {
  let text = `  NAME\n    ${command.name} - ${command.summary}\n\n`;
  text += `  SYNOPSIS\n    ${[command.name, ...command.options.map(synopsisPart)].join(' ')}\n\n`;
  text += `  DESCRIPTION\n    ${command.description}\n\n`;
  if (command.options.length > 0) text += `  OPTIONS\n${command.options.map(optionLine).join('')}\n`;
  return text;
}

/** The commands of one group under its title, as `help` prints them (`indentTitle`: virsh's `--help` drops the colon). */
export function groupHelp(group: CommandGroup, commands: readonly CommandDefinition[], colon = true): string {
  const { title, keyword } = CommandGroups[group];
  let text = ` ${title} (help keyword '${keyword}')${colon ? ':' : ''}\n`;
  for (const command of commands.filter((c) => c.group === group)) text += `    ${command.name.padEnd(30)} ${command.summary}\n`;
  return `${text}\n`;
}

/** `help` without arguments: every group. */
export function allGroupsHelp(commands: readonly CommandDefinition[]): string {
  const groups = (Object.keys(CommandGroups) as CommandGroup[]).filter((g) => commands.some((c) => c.group === g));
  return `Grouped commands:\n\n${groups.map((g) => groupHelp(g, commands)).join('')}`;
}

/** The group a `help` keyword names (`snapshot`, `domain`, ...). */
export function groupByKeyword(keyword: string): CommandGroup | undefined {
  return (Object.keys(CommandGroups) as CommandGroup[]).find((g) => CommandGroups[g].keyword === keyword);
}
