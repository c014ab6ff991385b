// libvirt's side of the differential fuzzer: a throw-away libvirtd 9.0 with the corpus's node files, running cases through python3-libvirt.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalise, normaliseValue, uuidsIn, type NormaliseContext } from '../normalise.js';
import type { EventOutcome, Outcome, RawStep } from '../replay/corpus.js';

const PYTHON = '/usr/bin/python3';
const HELPER = fileURLToPath(new URL('../record/libvirt-calls.py', import.meta.url));
const DEFAULT_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TZ: 'UTC', LC_ALL: 'C', HOME: '/nonexistent' };

/** True where libvirtd, virsh and python3-libvirt are installed. */
export function hasLibvirt(): boolean {
  if (!existsSync(PYTHON)) return false;
  const probe = spawnSync(PYTHON, ['-c', 'import libvirt'], { stdio: 'ignore' });
  return probe.status === 0 && spawnSync('libvirtd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** record/libvirt-hosts.mjs, shared with the recorder. */
interface LibvirtHosts {
  copyNodeFiles(dir: string): { nodesDir: string; nodeTexts: string[] };
  startWaiter(env: Record<string, string>): { fresh(uri: string): Promise<void>; stop(): void };
}

interface Libvirtd {
  dir: string;
  uri(scheme: string, path: string): string;
  stop(): Promise<void>;
}

/** A running libvirtd whose test driver serves `default` and the node files, and runs cases on them. */
export interface LibvirtSide {
  /** Each case's outcomes, one per step (every step runs, errors included), normalised as the recorder does. */
  run(cases: ReadonlyArray<{ id: string; host: string; steps: RawStep[] }>): Outcome[][];
  /** The same with every event id registered: each step's outcome and the events it raised (`waitSeconds` after each step). */
  events(cases: ReadonlyArray<{ id: string; host: string; steps: RawStep[] }>, waitSeconds: number): EventOutcome[][];
  /** virsh with `argument` on `host` (on a pristine test:///default), normalised as the recorder does. */
  virsh(host: string, argument: string): Promise<{ stdout: string; stderr: string; code: number | null }>;
  stop(): Promise<void>;
}

export async function startLibvirtSide(): Promise<LibvirtSide> {
  const { startLibvirtd } = (await import(new URL('../record/libvirt-daemon.mjs', import.meta.url).href)) as { startLibvirtd(): Promise<Libvirtd> };
  const hosts = (await import(new URL('../record/libvirt-hosts.mjs', import.meta.url).href)) as LibvirtHosts;
  const libvirtd = await startLibvirtd();
  const { nodesDir, nodeTexts } = hosts.copyNodeFiles(libvirtd.dir);
  const context = (...inputs: unknown[]): NormaliseContext => ({
    paths: { [nodesDir]: '@NODES@' },
    stableUuids: [DEFAULT_UUID, ...uuidsIn(...nodeTexts), ...uuidsIn(...inputs)],
    hostname: hostname(),
    macInputs: [...nodeTexts, ...inputs.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)))].join('\n'),
  });
  const uri = (host: string) => libvirtd.uri('test', host === 'default' ? '/default' : join(nodesDir, host));
  const waiter = hosts.startWaiter(ENV);
  return {
    events(cases, waitSeconds) {
      const input = cases.map((c) => ({ id: c.id, uri: uri(c.host), steps: c.steps }));
      const env = { ...ENV, VW_EVENT_WAIT: String(waitSeconds) };
      const run = spawnSync(PYTHON, [HELPER, 'events'], { input: JSON.stringify(input), encoding: 'utf8', env, maxBuffer: 512 * 1024 * 1024 });
      if (run.status !== 0) throw new Error(`libvirt-calls.py events failed: ${run.stderr}`);
      const results = JSON.parse(run.stdout) as Array<{ id: string; steps: EventOutcome[] }>;
      return results.map((r, i) => normaliseValue(r.steps, context(JSON.stringify(cases[i]!.steps))));
    },
    async virsh(host, argument) {
      if (host === 'default') await waiter.fresh(uri(host));
      const run = spawnSync('virsh', ['-c', uri(host), argument], {
        env: { ...ENV, EDITOR: 'true', VISUAL: 'true' },
        input: '',
        encoding: 'utf8',
        timeout: 30_000,
      });
      const ctx = context(argument);
      return { stdout: normalise(run.stdout, ctx), stderr: normalise(run.stderr, ctx), code: run.status };
    },
    run(cases) {
      const input = cases.map((c) => ({ id: c.id, uri: uri(c.host), steps: c.steps }));
      const run = spawnSync(PYTHON, [HELPER, 'calls-through'], { input: JSON.stringify(input), encoding: 'utf8', env: ENV, maxBuffer: 512 * 1024 * 1024 });
      if (run.status !== 0) throw new Error(`libvirt-calls.py calls-through failed: ${run.stderr}`);
      const results = JSON.parse(run.stdout) as Array<{ id: string; steps: Outcome[] }>;
      return results.map((r, i) => normaliseValue(r.steps, context(JSON.stringify(cases[i]!.steps))));
    },
    stop: () => {
      waiter.stop();
      return libvirtd.stop();
    },
  };
}
