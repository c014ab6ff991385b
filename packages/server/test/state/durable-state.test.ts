// Unit tests of durable file writes and the intent journal, on a real filesystem.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeFileDurably, removeStaleTempFiles, replaceFilesDurably, writeFileDurably } from '../../src/state/durable-file.js';
import { IntentJournal } from '../../src/state/intent-journal.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vw-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('replaceFilesDurably', () => {
  it('writes and removes a batch of files (0600, no temp file left), and replaying it is harmless', async () => {
    writeFileDurably(join(dir, 'old.xml'), 'old');
    const sub = join(dir, 'snapshots');
    const batch = [
      { path: join(dir, 'a.xml'), data: 'a' },
      { path: join(dir, 'b.xml'), data: 'b' },
      { path: join(dir, 'old.xml'), data: null },
      { path: join(sub, 'gone.xml'), data: null },
    ];
    await replaceFilesDurably(batch);
    await replaceFilesDurably(batch); // recovery replays a batch whose removed files (and their directory) are already gone
    expect(readdirSync(dir).sort()).toEqual(['a.xml', 'b.xml']);
    expect(readFileSync(join(dir, 'b.xml'), 'utf8')).toBe('b');
    expect(statSync(join(dir, 'a.xml')).mode & 0o777).toBe(0o600);
  });
});

describe('writeFileDurably', () => {
  it('replaces the content, leaves no temp file and creates the file 0600', () => {
    const path = join(dir, 'domain.xml');
    writeFileDurably(path, 'one');
    writeFileDurably(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['domain.xml']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves the old content when the write fails, and cleans its temp file', () => {
    const path = join(dir, 'missing-dir', 'x');
    expect(() => writeFileDurably(path, 'data')).toThrow();
    expect(existsSync(path)).toBe(false);
  });

  it('removes stale temp files left by a crash, and only those', () => {
    writeFileSync(join(dir, '.vwtmp-domain.xml.abc'), 'half');
    writeFileSync(join(dir, 'keep.xml'), 'ok');
    expect(removeStaleTempFiles(dir)).toEqual(['.vwtmp-domain.xml.abc']);
    expect(readdirSync(dir)).toEqual(['keep.xml']);
    removeFileDurably(join(dir, 'keep.xml'));
    removeFileDurably(join(dir, 'keep.xml'));
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('IntentJournal', () => {
  it('records, advances and finishes intents', () => {
    const journal = new IntentJournal(join(dir, 'intents'));
    const record = { id: 'j1', kind: 'snapshot-create', domainUuid: 'u', phase: 'prepared', payload: { n: 1 } };
    journal.write(record);
    expect(journal.pending()).toEqual([record]);
    journal.write({ ...record, phase: 'committed' });
    expect(new IntentJournal(join(dir, 'intents')).pending()[0]?.phase).toBe('committed');
    journal.finish('j1');
    expect(journal.pending()).toEqual([]);
  });

  it('refuses ids that could name another path', () => {
    const journal = new IntentJournal(join(dir, 'intents'));
    expect(() => journal.finish('../x')).toThrow(/invalid intent id/);
  });
});
