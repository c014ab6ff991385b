// Runs vwsh in-process and captures what it prints: stdout, stderr and the exit status, as a transcript.
import { runVwsh } from '@virtwire/cli';
import { Readable } from 'node:stream';

/** What one vwsh invocation printed and returned. */
export interface Transcript {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `vwsh ARGV...` with `env` (TZ=UTC unless given) and `stdin` (a non-terminal, empty unless given), and collects its output. */
export async function vwsh(argv: readonly string[], env: Record<string, string | undefined> = {}, stdin = ''): Promise<Transcript> {
  let stdout = '';
  let stderr = '';
  const code = await runVwsh(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([stdin]),
    env: { TZ: 'UTC', VIRTWIRE_RUNTIME_DIR: '/nonexistent/virtwire-test', VIRTWIRE_TOKEN: process.env.VIRTWIRE_TOKEN, ...env },
  });
  return { stdout, stderr, code };
}

/** `YYYY-MM-DD HH:MM:SS +0000` for a creation time, computed without vwsh's formatter. */
export function utcTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}
