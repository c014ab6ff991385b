// What a vwsh command is: its name, group, help text and options (virsh's vshCmdDef and vshCmdOptDef), and how it runs.
import type { Connection } from '@virtwire/client';
import type { ParsedOptions } from './parsed-options.js';
import type { ShellOutput } from './shell-output.js';

/**
 * An option's kind, as virsh's `vshCmdOptType`: `bool` (VSH_OT_BOOL, a switch), `string`
 * (VSH_OT_STRING, optional value, positional unless `namedOnly`), `data` (VSH_OT_DATA, a required
 * positional value) and `argv` (VSH_OT_ARGV, every remaining positional value, repeatable).
 */
export type OptionType = 'bool' | 'string' | 'data' | 'argv';

/** One option of a command (virsh's `vshCmdOptDef`). */
export interface OptionDefinition {
  readonly name: string;
  readonly type: OptionType;
  /** VSH_OFLAG_REQ: the command cannot run without it. */
  readonly required?: boolean;
  /** VSH_OFLAG_REQ_OPT: only accepted as `--name VALUE`, never positionally. */
  readonly namedOnly?: boolean;
  /** VSH_OFLAG_EMPTY_OK: an empty value is accepted. */
  readonly emptyOk?: boolean;
  readonly help: string;
}

/** A switch (virsh's `VSH_OT_BOOL`): `--name`, no value. */
export const switchOption = (name: string, help: string): OptionDefinition => ({ name, type: 'bool', help });

/** The command groups `help` lists, with virsh's titles and keywords. */
export const CommandGroups = {
  domain: { title: 'Domain Management', keyword: 'domain' },
  monitor: { title: 'Domain Monitoring', keyword: 'monitor' },
  events: { title: 'Domain Events', keyword: 'events' },
  host: { title: 'Host and Hypervisor', keyword: 'host' },
  snapshot: { title: 'Snapshot', keyword: 'snapshot' },
  shell: { title: 'Virsh itself', keyword: 'virsh' },
} as const;
/** A key of {@link CommandGroups}. */
export type CommandGroup = keyof typeof CommandGroups;

/** What the shell lets commands control (virsh's connect, quit and uri). */
export interface ShellControl {
  /** The URI the session connects with, as given. */
  readonly uri: string;
  /** Ends the chain and the session after this command. */
  quit(): void;
  /** Closes the connection and opens `uri` (or the same one again), read-only or not. */
  reconnect(uri: string | undefined, readOnly: boolean): Promise<void>;
}

/** Everything a running command may use. */
export interface CommandContext {
  /** The open connection; commands that need none (help) never touch it. */
  readonly connection: Connection;
  readonly out: ShellOutput;
  /** The environment vwsh was started with (TZ for creation times). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Every command, for `help`. */
  readonly commands: readonly CommandDefinition[];
  /** The session the command runs in. */
  readonly shell: ShellControl;
}

/** A vwsh command (virsh's `vshCmdDef`): it resolves on success and throws on failure. */
export interface CommandDefinition {
  readonly name: string;
  readonly group: CommandGroup;
  /** One line for `help` listings. */
  readonly summary: string;
  /** The DESCRIPTION paragraph of `help NAME`. */
  readonly description: string;
  readonly options: readonly OptionDefinition[];
  /** False for commands that run without a hypervisor connection (virsh's VSH_CMD_FLAG_NOCONNECT). */
  readonly needsConnection?: boolean;
  run(context: CommandContext, options: ParsedOptions): Promise<void>;
}
