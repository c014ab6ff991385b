// The domain list's data against a real virtwired: every domain with its state, in four calls however many domains there are.
import { connect, DomainState, type Connection } from '@virtwire/client';
import { generateToken, startDaemon, tokenEntry, type Daemon } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainRows } from '../src/data/queries.js';

describe('domainRows', () => {
  let dir: string;
  let daemon: Daemon;
  let conn: Connection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-web-'));
    const token = generateToken();
    daemon = await startDaemon({
      listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
      stateDir: join(dir, 'state'),
      tokens: [tokenEntry(token, 'rw', 't')],
      logLevel: 'silent',
    });
    conn = await connect(`test+${daemon.addresses[0]}/default`, { token });
  });
  afterAll(async () => {
    await conn?.close();
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each domain its state, as virDomainGetState does, in four calls', async () => {
    const define = (name: string) => conn.domainDefineXML(`<domain type='test'><name>${name}</name><memory>65536</memory><os><type>hvm</type></os></domain>`);
    for (let i = 0; i < 12; i++) await define(`off-${String(i).padStart(2, '0')}`);
    const paused = await define('paused');
    await paused.create();
    await paused.suspend();
    const before = conn.requestsSent;
    const rows = await domainRows(conn);
    expect(conn.requestsSent - before).toBe(4);
    expect(rows.map((r) => r.name)).toEqual([...Array.from({ length: 12 }, (_, i) => `off-${String(i).padStart(2, '0')}`), 'paused', 'test']);
    for (const row of rows) {
      const { state } = await (await conn.domainLookupByName(row.name)).getState();
      expect(row.state, row.name).toBe(state);
    }
    expect(rows.find((r) => r.name === 'paused')?.state).toBe(DomainState.Paused);
    expect(rows.find((r) => r.name === 'test')?.state).toBe(DomainState.Running);
    expect(rows.find((r) => r.name === 'off-00')?.state).toBe(DomainState.Shutoff);
  });
});
