// How virtwired writes its log: pino's JSON lines for machines, or pino-pretty's lines for a person at a terminal.
import { InvalidArgumentError } from 'commander';
import pino, { type DestinationStream } from 'pino';

/** `json`: one pino object a line (for log collectors); `pretty`: a readable line per event, coloured on a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Parses `--log-format`. */
export function parseLogFormat(value: string): LogFormat {
  if (value !== 'json' && value !== 'pretty') throw new InvalidArgumentError("expected 'json' or 'pretty'");
  return value;
}

/**
 * The stream the daemon's log goes to on stderr. pino-pretty is loaded only when asked for, and
 * formats in this thread, synchronously, so nothing is lost when the daemon exits.
 */
export async function logStream(format: LogFormat): Promise<DestinationStream> {
  if (format === 'json') return pino.destination(2);
  const { default: pretty } = await import('pino-pretty');
  return pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}
