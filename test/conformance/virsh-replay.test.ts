// Replays every recorded virsh transcript through vwsh against a real virtwired: identical output, or a documented deviation.
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vwsh } from '../cli/helpers/vwsh-transcript.js';
import { normalise } from './normalise.js';
import { deviations, virshCases, type VirshCase } from './replay/corpus.js';
import { startReplayHost, type ReplayHost } from './replay/replay-host.js';
import { Tally, verdict } from './replay/tally.js';

let host: ReplayHost;
const tally = new Tally('virsh transcripts');
beforeAll(async () => {
  host = await startReplayHost();
});
afterAll(async () => {
  console.log(tally.summary());
  await host?.close();
});

/** The argv vwsh gets for a case: `-c` its host's URI, or a recorded `-c X+unix:///path?socket=@SOCKET@` pointed at this daemon. */
function argvFor(c: VirshCase, filesDir: string): string[] {
  const argv = c.argv.map((a) => a.replaceAll('@FILES@', filesDir));
  if (c.host !== null) return ['-c', host.uri(c.host), ...argv];
  const hostPort = host.server.wsAddress.slice('ws://'.length);
  return argv.map((a) => a.replace(/^([a-z]+)\+unix:\/\/(\/[^?]*)\?socket=@SOCKET@$/, `$1+ws://${hostPort}$2`));
}

describe('virsh corpus replayed through vwsh', () => {
  it.each(virshCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const filesDir = host.caseFiles(c.id, c.files);
    const t = await vwsh(argvFor(c, filesDir), { EDITOR: 'true', VISUAL: 'true' }, c.stdin);
    const ctx = host.context(filesDir, ...c.argv, ...Object.values(c.files ?? {}));
    const got = { stdout: normalise(t.stdout, ctx), stderr: normalise(t.stderr, ctx), code: t.code };
    const want = { stdout: c.stdout, stderr: c.stderr, code: c.code };
    const identical = got.stdout === want.stdout && got.stderr === want.stderr && got.code === want.code;
    const v = verdict(identical, deviations.virsh[c.id]);
    tally.add(v);
    // REPLAY_DUMP=FILE appends every undocumented difference as one JSON line (for triage).
    if (v === 'undocumented' && process.env.REPLAY_DUMP) appendFileSync(process.env.REPLAY_DUMP, `${JSON.stringify({ id: c.id, argv: c.argv, got, want })}\n`);
    if (v === 'undocumented') expect(got).toEqual(want);
    expect(v, 'listed in deviations.json but now identical: remove the entry').not.toBe('stale');
  });
});
