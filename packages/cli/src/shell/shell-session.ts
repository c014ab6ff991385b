// One vwsh session: its connection, and the running of parsed command chains, as virsh's vshCommandRun.
import { connect, VirError, type Connection } from '@virtwire/client';
import { describeConnectionFailure } from '../connection-failure.js';
import type { CommandDefinition, ShellControl } from './command-definition.js';
import { parseCommandChain, type ParsedCommand } from './command-parser.js';
import type { CommandToken } from './command-tokens.js';
import { CommandError, CommandLineError, ReportedFailure } from './shell-errors.js';
import type { ShellOutput } from './shell-output.js';

/** A connection for chains that never use one (help, echo): any call would be a bug. */
const NO_CONNECTION = new Proxy({} as Connection, {
  get() {
    throw new Error('this command has no connection');
  },
});

/** Prints a failed command's errors the way virsh's vshReportError and vshError do. */
function reportFailure(out: ShellOutput, error: unknown): void {
  if (error instanceof ReportedFailure) return;
  if (error instanceof CommandError) {
    for (const line of error.before) out.error(line);
    out.error(error.message);
    return;
  }
  out.error(VirError.is(error) || error instanceof Error ? error.message : String(error));
}

/**
 * A session: the URI and mode it connects with, the connection once open, and whether `quit` was
 * run. Commands reach it through {@link ShellControl} (connect, quit, uri).
 */
export class ShellSession implements ShellControl {
  private connection: Connection | undefined;
  private quitRequested = false;

  constructor(
    private readonly commands: readonly CommandDefinition[],
    private readonly out: ShellOutput,
    private readonly env: Readonly<Record<string, string | undefined>>,
    public uri: string,
    private readOnly: boolean,
  ) {}

  get quitting(): boolean {
    return this.quitRequested;
  }

  quit(): void {
    this.quitRequested = true;
  }

  /** Opens the session's connection if it is not open, printing virsh's two lines when it cannot. */
  async open(): Promise<boolean> {
    if (this.connection && !this.connection.closed) return true;
    try {
      this.connection = await connect(this.uri, { readOnly: this.readOnly }, this.env);
      return true;
    } catch (error) {
      this.out.error('failed to connect to the hypervisor');
      this.out.error(describeConnectionFailure(error instanceof Error ? error.message : String(error)));
      return false;
    }
  }

  /** `connect [NAME] [--readonly]`: closes the connection and opens NAME (or the same URI again). */
  async reconnect(uri: string | undefined, readOnly: boolean): Promise<void> {
    await this.close();
    if (uri !== undefined) this.uri = uri;
    this.readOnly = readOnly;
    if (!(await this.open())) throw new ReportedFailure();
  }

  /** Parses a chain; a syntax error prints its lines and gives undefined. */
  parse(tokens: Iterable<CommandToken>): ParsedCommand[] | undefined {
    try {
      return parseCommandChain(tokens, this.commands);
    } catch (error) {
      if (!(error instanceof CommandLineError)) throw error;
      for (const line of error.lines) this.out.error(line);
      return undefined;
    }
  }

  /**
   * Runs a parsed chain: each command in turn, a failed one printing `error: ...` and the chain
   * going on, a blank line after each (unless quiet), `quit` ending it. True when the last succeeded.
   */
  async run(chain: readonly ParsedCommand[]): Promise<boolean> {
    let ok = true;
    for (const { definition, options } of chain) {
      if (definition.needsConnection !== false && !(await this.open())) return false;
      try {
        await definition.run({ connection: this.connection ?? NO_CONNECTION, out: this.out, env: this.env, commands: this.commands, shell: this }, options);
        ok = true;
      } catch (error) {
        reportFailure(this.out, error);
        ok = false;
      }
      if (this.quitRequested) break;
      this.out.printExtra('\n');
    }
    return ok;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }
}
