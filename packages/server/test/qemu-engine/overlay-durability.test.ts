// The overlays the engine writes itself are flushed, with their directories, before QEMU opens them: seen in the system calls (strace).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLiveExternalSnapshot } from '../../src/drivers/qemu/engine/index.js';
import { useSandbox, hasQemu } from './helpers.js';

const hasStrace = spawnSync('strace', ['-V']).status === 0;

/** Runs `action` with strace following every thread of this process; resolves to the traced lines. */
async function traced(calls: string, file: string, action: () => Promise<void>): Promise<string[]> {
  const strace = spawn('strace', ['-f', '-qq', '-p', String(process.pid), '-e', `trace=${calls}`, '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  strace.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => strace.once('exit', resolve));
  // strace is attached once every thread of this process names it as its tracer (libuv's pool
  // threads do the engine's opens and flushes; under load they were attached after the first one
  // was seen tracing) and a traced call shows up in its output
  const marker = path.join(path.dirname(file), 'attached');
  const everyThreadTraced = () =>
    readdirSync(`/proc/${process.pid}/task`).every((task) =>
      new RegExp(`TracerPid:\\s+${strace.pid}\\b`).test(readIfExists(`/proc/${process.pid}/task/${task}/status`)),
    );
  for (let i = 0; i < 500 && !(readIfExists(file).includes(marker) && everyThreadTraced()); i++) {
    await import('node:fs/promises').then((fs) => fs.open(marker, 'w').then((h) => h.close()));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(readIfExists(file), stderr).toContain(marker);
  expect(everyThreadTraced(), 'every thread traced').toBe(true);
  try {
    await action();
  } finally {
    strace.kill('SIGINT');
    await exited;
  }
  return joinInterrupted(readIfExists(file).split('\n'));
}

/**
 * strace -f splits a call that another thread's call interrupted into `PID call(args <unfinished ...>`
 * and, later, `PID <... call resumed>rest`: each pair becomes the one line it would have been, where
 * the call began.
 */
function joinInterrupted(lines: string[]): string[] {
  const joined: string[] = [];
  const open = new Map<string, number>();
  for (const line of lines) {
    const pid = /^(\d+)\s/.exec(line)?.[1] ?? '';
    const resumed = /^\d+\s+<\.\.\. \w+ resumed>(.*)$/.exec(line);
    const at = open.get(pid);
    if (resumed && at !== undefined) {
      joined[at] = `${joined[at] ?? ''}${resumed[1] ?? ''}`;
      open.delete(pid);
    } else if (line.endsWith(' <unfinished ...>')) {
      open.set(pid, joined.length);
      joined.push(line.slice(0, -' <unfinished ...>'.length));
    } else joined.push(line);
  }
  return joined;
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

describe.skipIf(!hasQemu || !hasStrace)('overlays written by the engine', () => {
  const box = useSandbox();

  it('are flushed, and their directories too', async () => {
    const disks = [
      { target: 'vda', path: await box().image('durable/a.qcow2'), format: 'qcow2' as const },
      { target: 'vdb', path: await box().image('durable/b.qcow2'), format: 'qcow2' as const },
    ];
    const guest = await box().launch('durable', disks);
    const overlays = [box().path('durable', 'new', 'a.s1'), box().path('durable', 'new', 'b.s1')];
    await box().mkdir('durable', 'new');
    let ok = false;
    const lines = await traced('openat,fdatasync,fsync', box().path('durable', 'trace.txt'), async () => {
      const result = await createLiveExternalSnapshot(
        guest.qmp,
        disks.map((d, i) => ({ target: d.target, overlayPath: overlays[i]! })),
        { overlayCreation: 'engine' },
      );
      ok = result.ok;
    });
    expect(ok).toBe(true);
    const flushedAfterOpen = (file: string, flush: 'fdatasync' | 'fsync') => {
      const opens = lines.flatMap((line, at) => {
        const match = new RegExp(`openat\\(AT_FDCWD, "${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}", [^)]*\\)\\s+=\\s+(\\d+)$`).exec(line);
        return match ? [{ at, fd: match[1] }] : [];
      });
      return opens.some(({ at, fd }) => lines.slice(at + 1).some((line) => new RegExp(`\\b${flush}\\(${fd}[ )]`).test(line)));
    };
    for (const overlay of overlays) expect(flushedAfterOpen(overlay, 'fdatasync'), overlay).toBe(true);
    expect(flushedAfterOpen(path.dirname(overlays[0]!), 'fsync'), 'the directory of the overlays').toBe(true);
  });
});
