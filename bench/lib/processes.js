// Child processes for the benchmark: one-shot JSON workloads, optionally pinned to CPUs, and resident memory.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Prefixes a command with `taskset -c CPUS` when `cpus` is given (Linux only). */
export function pinned(cpus, command, args) {
  return cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}

/** Runs `command` to completion and parses the last line it printed as JSON; rejects on a non-zero exit. */
export function runJson(command, args, { cpus, timeoutMs = 600_000 } = {}) {
  const [cmd, argv] = pinned(cpus, command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${command} exited ${code}: ${err.trim().slice(-500)}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${command} printed no JSON: ${out.slice(-300)} ${err.slice(-300)}`));
      }
    });
  });
}

/**
 * Starts a long-lived child that talks in JSON lines: `next()` resolves with the next line it prints,
 * `send()` writes a line to it, `stop()` closes its stdin and waits for it to exit.
 */
export function startHolder(command, args) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiting = [];
  let buffered = '';
  let exitCode;
  child.stdout.on('data', (d) => {
    buffered += d;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(line);
      else lines.push(line);
    }
  });
  const done = new Promise((resolve) =>
    child.on('close', (code) => {
      exitCode = code;
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`${command} exited ${code}`));
      resolve();
    }),
  );
  return {
    next() {
      if (lines.length > 0) return Promise.resolve(lines.shift());
      if (exitCode !== undefined) return Promise.reject(new Error(`${command} exited ${exitCode}`));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    send(line) {
      child.stdin.write(line + '\n');
    },
    async stop() {
      child.stdin.end();
      await done;
    },
  };
}

/** Resident set size of `pid` in MiB (VmRSS of /proc/PID/status). */
export function residentMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kib / 1024;
}

/** Pins every thread of a running process to `cpus` (`taskset -a -p -c`). */
export function pinProcess(pid, cpus) {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`taskset exited ${code}`))));
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * CPU time every live thread of `pid` has used so far, in ns (the first field of each
 * /proc/PID/task/TID/schedstat, which the scheduler counts in ns; /proc/PID/stat counts 10 ms ticks).
 * Threads that exited are not counted: read it around a phase whose threads outlive it.
 */
export function threadsCpuNanos(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // the thread exited meanwhile
    }
  }
  return total;
}

/** CPU time (user + system, every thread) `pid` has used so far, in µs (from /proc/PID/stat; 100 ticks a second). */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
