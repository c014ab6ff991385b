// vwsh event against a real virtwired, compared with libvirt 9.0's virsh recorded in test/fixtures/virsh-events.
import { connect } from '@virtwire/client';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { vwsh } from './helpers/vwsh-transcript.js';

const VWSH = fileURLToPath(new URL('../../packages/cli/bin/vwsh.js', import.meta.url));
const recorded = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/virsh-events/${name}`, import.meta.url)), 'utf8');

let server: TestDaemon;
beforeEach(async () => {
  server = await startTestDaemon();
  await server.keepDefaultHost();
});
afterEach(async () => server.close());
const run = (chain: string) => vwsh(['-c', server.uri(), chain]);

/** `vwsh event ARGS` as its own process, with what it printed so far. */
function watch(args: string[]) {
  const child = spawn(process.execPath, [VWSH, '-c', server.uri(), 'event', ...args], { env: { ...process.env, VIRTWIRE_TOKEN: TEST_TOKEN } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/**
 * Waits until the watcher hears events: suspends and resumes a second domain until a line about it
 * is printed, then (with `snapshots`) snapshots it until a snapshot line is printed too: vwsh
 * registers lifecycle first and its snapshot id last, one after the other, so only then is every
 * registration in place and the lines that follow are all the chain's (a loaded CI machine once
 * ran the chain between the two and lost its snapshot lines).
 */
async function untilListening(watcher: ReturnType<typeof watch>, snapshots = false): Promise<void> {
  const conn = await connect(server.uri());
  const probe = await conn.domainDefineXML("<domain type='test'><name>probe</name><memory>1024</memory><os><type>hvm</type></os></domain>");
  await probe.create();
  await vi.waitFor(
    async () => {
      await probe.suspend();
      await probe.resume();
      expect(watcher.stdout()).toContain("for domain 'probe'");
    },
    { timeout: 20_000, interval: 50 },
  );
  let made = 0;
  if (snapshots) {
    await vi.waitFor(
      async () => {
        await (await probe.snapshotCreateXML(`<domainsnapshot><name>p${made++}</name></domainsnapshot>`)).delete();
        expect(watcher.stdout()).toContain("event 'snapshot' for domain 'probe'");
      },
      { timeout: 20_000, interval: 50 },
    );
  }
  await probe.destroy();
  await probe.undefine();
  await conn.close();
}

describe('vwsh event', () => {
  it("prints libvirt's lifecycle lines for the chain, plus a snapshot event for each snapshot change, until interrupted", async () => {
    const watcher = watch(['--all', '--loop']);
    await untilListening(watcher, true);
    const chain = await run(
      'suspend test ; resume test ; snapshot-create-as test s1 ; snapshot-revert test s1 ; snapshot-delete test s1 ; destroy test ; start test',
    );
    expect(chain.code).toBe(0);
    const more = await run('shutdown test ; start test ; reboot test');
    expect(more.code).toBe(0);
    const testLines = () =>
      watcher
        .stdout()
        .split('\n')
        .filter((l) => l.includes("for domain 'test'"));
    await vi.waitFor(() => expect(testLines(), `watcher printed:\n${watcher.stdout()}\nand on stderr:\n${watcher.stderr()}`).toHaveLength(13), {
      timeout: 20_000,
      interval: 50,
    });
    watcher.child.kill('SIGINT');
    expect(await watcher.exited).toBe(0);

    const lifecycle = testLines().filter((l) => l.startsWith("event 'lifecycle'"));
    expect(lifecycle.map((l) => `${l}\n`).join('')).toBe(recorded('chain-all-loop.txt'));
    expect(testLines().filter((l) => l.startsWith("event 'snapshot'"))).toEqual([
      "event 'snapshot' for domain 'test': created s1",
      "event 'snapshot' for domain 'test': current-changed s1",
      "event 'snapshot' for domain 'test': reverted s1",
      "event 'snapshot' for domain 'test': deleted s1",
      "event 'snapshot' for domain 'test': current-changed",
    ]);
    // the same order as the calls: revert's Stopped/Started come before its snapshot event
    expect(testLines().slice(4, 7)).toEqual([
      "event 'lifecycle' for domain 'test': Stopped Snapshot",
      "event 'lifecycle' for domain 'test': Started Snapshot",
      "event 'snapshot' for domain 'test': reverted s1",
    ]);
    const total = watcher
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith("event '")).length;
    expect(watcher.stdout().endsWith(`\nevent loop interrupted\nevents received: ${total}\n\n`)).toBe(true);
    expect(watcher.stderr()).toBe('');
  });

  it('stops after the first event without --loop, as virsh does', async () => {
    const watcher = watch(['--domain', 'test', '--event', 'lifecycle']);
    // the first event of a one-shot watcher ends it, so the probe must be the domain it filters on
    await vi.waitFor(
      async () => {
        await run('suspend test ; resume test');
        expect(watcher.stdout()).toContain('events received');
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(await watcher.exited).toBe(0);
    expect(watcher.stdout()).toBe(recorded('once.txt'));
  });

  it('lists the event types as virsh, plus snapshot', async () => {
    const t = await run('event --list');
    expect(t.stdout).toBe(recorded('list.txt').replace(/\n\n$/, '\nsnapshot\n\n'));
    expect(t.code).toBe(0);
  });

  it("refuses bad options with virsh's errors", async () => {
    const lines = async (chain: string) => {
      const t = await run(chain);
      return { stderr: t.stderr, code: t.code };
    };
    expect(await lines('event --event bogus')).toEqual({ stderr: 'error: unknown event type bogus\n', code: 1 });
    expect(await lines('event')).toEqual({ stderr: 'error: one of --list, --all, or --event <type> is required\n', code: 1 });
    expect(await lines('event --domain nosuch --all')).toEqual({ stderr: "error: failed to get domain 'nosuch'\n", code: 1 });
    expect(await lines('event --list --all')).toEqual({ stderr: 'error: Options --list and --all are mutually exclusive\n', code: 1 });
    expect(await lines('event --list --event lifecycle')).toEqual({ stderr: 'error: Options --list and --event are mutually exclusive\n', code: 1 });
    expect(await lines('event --all --timeout 0')).toEqual({ stderr: "error: Numeric value '0' for <timeout> option is malformed or out of range\n", code: 1 });
    expect(await lines('event --all --timeout abc')).toEqual({
      stderr: "error: Numeric value 'abc' for <timeout> option is malformed or out of range\n",
      code: 1,
    });
  });

  it('times out with no event: exit 1 and the count, as virsh', async () => {
    const t = await run('event --event reboot --timeout 1');
    expect(t.stdout).toBe(recorded('timeout-none.txt'));
    expect(t.code).toBe(1);
  });
});
