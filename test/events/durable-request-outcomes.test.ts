// The qemu driver's durable request-key file: bounded in number and age, read back after a restart, an unreadable file read as empty.
import { DurableRequestOutcomes } from '@virtwire/server/testing';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'virtwire-outcomes-'));
  dirs.push(dir);
  return join(dir, 'request-keys.json');
}

describe('DurableRequestOutcomes', () => {
  it('keeps the newest outcomes up to its bound, and forgets those past the TTL, also when read back', () => {
    const path = file();
    let now = 1_000_000;
    const clock = () => now;
    const store = new DurableRequestOutcomes(path, 60_000, 3, clock);
    for (const key of ['a', 'b', 'c', 'd']) {
      store.record(key, `fp-${key}`, { ok: true, value: { name: key } });
      now += 10_000;
    }
    expect(store.size).toBe(3);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toMatchObject({ fingerprint: 'fp-b', outcome: { ok: true, value: { name: 'b' } } });

    const reread = new DurableRequestOutcomes(path, 60_000, 3, clock);
    expect(reread.size).toBe(3);
    now += 35_000; // b was recorded 65 s ago, c 55 s ago
    expect(reread.get('b')).toBeUndefined();
    expect(reread.get('c')?.fingerprint).toBe('fp-c');
    now += 60_000;
    expect(new DurableRequestOutcomes(path, 60_000, 3, clock).size).toBe(0);
  });

  it('records an error by its libvirt fields; a corrupt file holds nothing', () => {
    const path = file();
    const store = new DurableRequestOutcomes(path, 60_000);
    store.record('e', 'fp', { ok: false, error: new Error('boom') });
    expect(JSON.parse(readFileSync(path, 'utf8'))[0].outcome).toEqual({ ok: false, error: { code: 1, domain: 0, message: 'internal error: boom' } });
    writeFileSync(path, '{not json');
    expect(new DurableRequestOutcomes(path, 60_000).size).toBe(0);
  });
});
