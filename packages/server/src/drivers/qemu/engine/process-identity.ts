// Reads QEMU pidfiles and checks, via /proc, that a pid is still our guest (guards against pid reuse).
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestNameArgument, qmpArgument } from './qemu-argv.js';
import type { RuntimePaths } from './qemu-argv.js';

/** Reads the pid QEMU wrote to its pidfile; undefined if the file is missing or malformed. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(pidFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** The argv of a live process, or undefined if it does not exist (or is a zombie: empty cmdline). */
export async function readProcessArgv(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
    if (raw.length === 0) return undefined;
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/**
 * True if `pid` runs QEMU for guest `name` with the QMP socket of `paths`: its argv must contain
 * `-name guest=<name>,...` and `-qmp unix:<socket>,...` as adjacent arguments.
 */
export async function isOurGuest(pid: number, name: string, paths: RuntimePaths): Promise<boolean> {
  const argv = await readProcessArgv(pid);
  if (!argv) return false;
  return hasArgumentPair(argv, '-name', guestNameArgument(name)) && hasArgumentPair(argv, '-qmp', qmpArgument(paths.qmpSocket));
}

function hasArgumentPair(argv: readonly string[], flag: string, value: string): boolean {
  return argv.some((arg, index) => arg === flag && argv[index + 1] === value);
}

/** True while `pid` exists and one of its threads has not finished exiting (its main thread is no zombie, or another thread still runs). */
export async function isProcessAlive(pid: number): Promise<boolean> {
  const running = async (statPath: string): Promise<boolean> => {
    try {
      const stat = await fs.readFile(statPath, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  };
  if (await running(`/proc/${pid}/stat`)) return true;
  // A killed process's main thread turns zombie before its other threads have finished exiting, and
  // those still hold the process's files: QEMU's image locks ("Failed to get \"write\" lock" for the
  // next QEMU on the same image). It is gone once none of its threads runs.
  const tasks = await fs.readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const task of tasks) if (task !== String(pid) && (await running(`/proc/${pid}/task/${task}/stat`))) return true;
  return false;
}

/** Polls until `pid` is gone (or a zombie); returns false if it is still alive after `timeoutMs`. */
export async function waitForProcessExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 1;
  while (await isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 20);
  }
  return true;
}
