// The vwsh binary: runs the shell on the process's arguments and streams, and exits with its status.
import { runVwsh } from './run-vwsh.js';

// A reader that went away (`vwsh list | head -1`) ends vwsh quietly, as SIGPIPE ends virsh.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// stdin is left to runVwsh's default: creating process.stdin costs start-up time, and only the line shell reads it.
void runVwsh(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((status) => {
  process.exitCode = status;
});
