// A parsed command's option values, read the way virsh's vshCommandOpt* helpers read them.
import type { OptionDefinition } from './command-definition.js';
import { CommandError } from './shell-errors.js';

/** One given option: its definition and value (undefined for switches). */
export interface GivenOption {
  readonly definition: OptionDefinition;
  readonly value: string | undefined;
}

/** The options given to one command, in the order they were given. */
export class ParsedOptions {
  constructor(readonly given: readonly GivenOption[]) {}

  /** `vshCommandOptBool`: true when the option was given at all (switch or value). */
  has(name: string): boolean {
    return this.given.some((o) => o.definition.name === name);
  }

  /**
   * `vshCommandOptStringReq`: the option's value, undefined when absent. An empty value is refused
   * (`Failed to get option 'NAME': Option argument is empty`) unless the option allows it.
   */
  string(name: string): string | undefined {
    const option = this.given.find((o) => o.definition.name === name);
    if (option?.value === undefined) return undefined;
    if (option.value === '' && !option.definition.emptyOk) {
      throw new CommandError(`Failed to get option '${name}': Option argument is empty`);
    }
    return option.value;
  }

  /** `vshCommandOptArgv`: every value of a repeatable option, in order. */
  all(name: string): string[] {
    return this.given.filter((o) => o.definition.name === name && o.value !== undefined).map((o) => o.value!);
  }

  /** The OR of the flag bits of the switches given, e.g. `{ paused: DomainCreateFlags.StartPaused }`. */
  flags(bits: Readonly<Record<string, number>>): number {
    let flags = 0;
    for (const [name, bit] of Object.entries(bits)) if (this.has(name)) flags |= bit;
    return flags;
  }

  /** Like {@link string} for an option the parser already required. */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new CommandError(`command requires <${name}> option`);
    return value;
  }
}
