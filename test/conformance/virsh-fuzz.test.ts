// Opt-in differential fuzzing of vwsh: random virsh command chains run by virsh on libvirt 9.0's test driver (a real libvirtd) and by vwsh on a real virtwired, compared command by command.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vwsh } from '../cli/helpers/vwsh-transcript.js';
import { hasLibvirt, startLibvirtSide, type LibvirtSide } from './fuzz/libvirt-side.js';
import { chainArgument, virshChains } from './fuzz/virsh-chains.js';
import { DivergenceClasses } from './fuzz/divergence-classes.js';
import { normalise } from './normalise.js';
import { startReplayHost, type ReplayHost } from './replay/replay-host.js';

/** `VW_VIRSH_FUZZ=N` chains (off by default: it needs libvirtd and virsh), `VW_VIRSH_FUZZ_SEED`, `VW_VIRSH_FUZZ_REPORT=file.json`. */
const count = Number(process.env.VW_VIRSH_FUZZ ?? 0);
const seed = Number(process.env.VW_VIRSH_FUZZ_SEED ?? Date.now() % 1_000_000);

/** Each command's stdout, cut at the `echo @@N@@` markers (what follows the last marker is the chain's end). */
const perCommand = (stdout: string): string[] => stdout.split(/^@@\d+@@\n/m);

/**
 * libvirt's refusal of a flag virtwire's test driver honours, or of an external target named from an
 * image only virtwire's simulated storage holds (deviations.json `superset`): the chain is not compared past it.
 */
const SUPERSET =
  /error: (unsupported flags \(0x[0-9a-f]+\) in function test(DomainSnapshotCreateXML|DomainCreateWithFlags|DomainSnapshotDelete)|unsupported configuration: source for disk '[^']*' is not a regular file; refusing to generate external snapshot name)/;

describe.skipIf(count === 0 || !hasLibvirt())('random virsh chains: vwsh against virsh on libvirt 9.0', () => {
  let libvirt: LibvirtSide;
  let host: ReplayHost;
  beforeAll(async () => {
    [libvirt, host] = await Promise.all([startLibvirtSide(), startReplayHost()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([libvirt?.stop(), host?.close()]);
  });

  it(`${count} chains from seed ${seed}`, { timeout: 60_000 + count * 2_000 }, async () => {
    const classes = new DivergenceClasses();
    let identical = 0;
    let superset = 0;
    let documented = 0;
    for (const chain of virshChains(seed, count)) {
      const argument = chainArgument(chain);
      const want = await libvirt.virsh(chain.host, argument);
      const t = await Promise.race([
        vwsh(['-c', host.uri(chain.host), argument], { EDITOR: 'true', VISUAL: 'true' }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`vwsh hung on ${chain.id}: ${argument}`)), 20_000).unref()),
      ]);
      const ctx = host.context(null, argument);
      const got = { stdout: normalise(t.stdout, ctx), stderr: normalise(t.stderr, ctx), code: t.code };
      if (got.stdout === want.stdout && got.stderr === want.stderr && got.code === want.code) {
        identical++;
        continue;
      }
      const [w, g] = [perCommand(want.stdout), perCommand(got.stdout)];
      const at = w.findIndex((out, i) => out !== g[i]);
      const stderrLine = (text: string) => text.split('\n').find((line) => SUPERSET.test(line));
      if (stderrLine(want.stderr) !== undefined && !stderrLine(got.stderr)) {
        superset++;
        continue;
      }
      // An external memory target libvirt's test driver records and virtwire's makes (deviations.json `snap-create-external/*`).
      if (chain.commands.slice(0, at === -1 ? undefined : at + 1).some((c) => c.includes('snapshot=external'))) {
        documented++;
        continue;
      }
      const command = at === -1 ? '(stderr or exit code)' : (chain.commands[at] ?? '(after the last command)').split(' ')[0]!;
      const firstLine = (text: string) => text.split('\n').find((line) => line.startsWith('error:')) ?? '';
      const name = `${command}: ${at === -1 ? `virsh ${JSON.stringify(firstLine(want.stderr))} / vwsh ${JSON.stringify(firstLine(got.stderr))}` : 'output differs'}`;
      const upTo = at === -1 ? chain.commands : chain.commands.slice(0, at + 1);
      classes.add(name, { id: chain.id, path: upTo, libvirt: at === -1 ? want : w[at], virtwire: at === -1 ? got : g[at] });
    }
    console.log(
      `virsh fuzz, seed ${seed}: ${count} chains, ${identical} identical, ${superset} documented superset, ${documented} documented difference, ${classes.count} undocumented\n${classes.describe()}`,
    );
    if (process.env.VW_VIRSH_FUZZ_REPORT) writeFileSync(process.env.VW_VIRSH_FUZZ_REPORT, JSON.stringify({ seed, count, classes }, null, 1));
    expect(classes.names(), `seed ${seed}`).toEqual([]);
  });
});
