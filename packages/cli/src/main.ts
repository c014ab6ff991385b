// The vwsh binary: runs the shell on the process's arguments and streams, and exits with its status.
import { runVwsh } from './run-vwsh.js';

// A reader that went away (`vwsh list | head -1`) ends vwsh quietly, as SIGPIPE ends virsh.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/**
 * Read by the code-cache loader as the process exits (its `CACHE_COVERAGE_EXPORT`): the commands that
 * ran on a connection, undefined when none did, so that a run of little code (`vwsh --version`) does
 * not write the cache every later command would run with, and one of a command the cache's runs did
 * not run writes it again.
 */
export let codeCacheCoverage: readonly string[] | undefined;

// stdin is left to runVwsh's default: creating process.stdin costs start-up time, and only the line shell reads it.
void runVwsh(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onCommandsRun: (commands) => (codeCacheCoverage = [...(codeCacheCoverage ?? []), ...commands]),
}).then((status) => {
  // Exit once the output is written, as virsh returns from main: a process left to end by itself
  // first tears down V8's heap, which took about 8 ms of a one-command run (bench/README.md, tenth round).
  process.exitCode = status;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
});
