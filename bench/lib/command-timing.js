// Times one short command as a user's shell would see it: from spawn to exit, in ms.
import { spawn } from 'node:child_process';

/** Runs `command args` once with its output discarded; resolves with its wall time, rejects if it fails. */
export function timeCommand(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-300)}`));
    });
  });
}
