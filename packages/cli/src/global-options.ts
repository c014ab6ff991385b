// vwsh's own options (virsh's -c, -r, -q, -h, -v), parsed with commander; the command chain is passed through.
import { formatVersion, LIB_VERSION, PROJECT_URL, SUBPROTOCOL } from '@virtwire/client';
import { Command, CommanderError } from 'commander';

/** What the options before the command ask for. */
export type GlobalRequest =
  | { kind: 'run'; uri: string | undefined; readOnly: boolean; quiet: boolean; command: string[] }
  | { kind: 'help' }
  | { kind: 'version'; long: boolean }
  | { kind: 'error'; message: string };

/** vwsh's version, from virtwire's libvirt-style version number. */
export function vwshVersion(): string {
  return formatVersion(LIB_VERSION);
}

/** `vwsh -V`, laid out like virsh's long version. */
export function vwshLongVersion(): string {
  return `vwsh command line tool of virtwire ${vwshVersion()}
See web site at ${PROJECT_URL}

Speaks to virtwired over:
 Transports: unix ws wss (WebSocket subprotocol ${SUBPROTOCOL})
`;
}

/** `vwsh --help`, laid out like virsh's. */
export function usage(commandList: string): string {
  return `
vwsh [options]... [<command_string>]
vwsh [options]... <command> [args...]

  options:
    -c | --connect=URI      hypervisor connection URI
    -h | --help             this help
    -q | --quiet            quiet mode
    -r | --readonly         connect readonly
    -v                      short version
    -V                      long version
         --version[=TYPE]   version, TYPE is short or long (default short)

  commands (non interactive mode):

${commandList}
  (specify help <group> for details about the commands in the group)

  (specify help <command> for details about the command)

`;
}

/**
 * Parses the options in front of the command, as virsh's getopt does: everything from the first
 * non-option word on is the command (one argument: a `;`-separated command string; several: argv).
 */
export function parseGlobalOptions(argv: readonly string[]): GlobalRequest {
  const program = new Command('vwsh')
    .option('-c, --connect <uri>', 'hypervisor connection URI')
    .option('-r, --readonly', 'connect readonly')
    .option('-q, --quiet', 'quiet mode')
    .option('-h, --help', 'this help')
    .option('-v', 'short version')
    .option('-V', 'long version')
    .option('--version [type]', 'version, TYPE is short or long (default short)')
    .argument('[command...]')
    .helpOption(false)
    .passThroughOptions()
    .allowExcessArguments()
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const option = /'([^']+)'/.exec(error.message)?.[1];
      if (error.code === 'commander.unknownOption' && option) return { kind: 'error', message: `unsupported option '${option}'. See --help.` };
      return { kind: 'error', message: `${error.message.replace(/^error: /, '')}. See --help.` };
    }
    throw error;
  }
  const options = program.opts<{
    connect?: string;
    readonly?: boolean;
    quiet?: boolean;
    help?: boolean;
    v?: boolean;
    V?: boolean;
    version?: string | boolean;
  }>();
  if (options.help) return { kind: 'help' };
  // virsh: -V and --version=long print the long version; -v, --version and any other TYPE the short one.
  if (options.V || options.version === 'long') return { kind: 'version', long: true };
  if (options.v || options.version !== undefined) return { kind: 'version', long: false };
  return { kind: 'run', uri: options.connect, readOnly: options.readonly === true, quiet: options.quiet === true, command: program.args };
}
