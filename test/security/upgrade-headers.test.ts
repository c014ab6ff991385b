// Credentials and Origin read from the raw header list: every repeated or malformed form is refused, whatever Node keeps.
import { generateToken, startDaemon, tokenEntry, type Daemon } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawUpgradeStatus, type RawHeader } from './support/raw-upgrade.js';

const rwToken = generateToken();
const roToken = generateToken();
const other = generateToken();
const subprotocol = (...entries: string[]): RawHeader => ['Sec-WebSocket-Protocol', entries.join(', ')];
const v1 = subprotocol('virtwire.v1');
const auth = (value: string): RawHeader => ['Authorization', value];

describe('upgrade headers, as sent on the wire', () => {
  let daemon: Daemon;
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-headers-'));
    daemon = await startDaemon({
      listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
      stateDir: join(dir, 'state'),
      tokens: [tokenEntry(rwToken, 'rw', 'admin'), tokenEntry(roToken, 'ro', 'viewer')],
      allowedOrigins: ['https://console.example'],
      logLevel: 'silent',
    });
    url = daemon.addresses[0]!;
  });
  afterAll(async () => {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const status = (...headers: RawHeader[]) => rawUpgradeStatus({ url }, headers);

  it('accepts one bearer token in the accepted spellings', async () => {
    expect(await status(v1, auth(`Bearer ${rwToken}`))).toBe(101);
    expect(await status(v1, auth(`bearer ${rwToken}`))).toBe(101);
    expect(await status(v1, auth(`BEARER   ${rwToken}  `))).toBe(101);
    expect(await status(v1, ['authorization', `Bearer ${rwToken}`])).toBe(101);
    expect(await status(subprotocol('virtwire.v1', `bearer.virtwire.${rwToken}`))).toBe(101);
    expect(await status(v1, subprotocol(`bearer.virtwire.${rwToken}`))).toBe(101);
  });

  const refused: Array<[string, RawHeader[]]> = [
    ['two Authorization headers, the valid one first', [v1, auth(`Bearer ${rwToken}`), auth(`Bearer ${other}`)]],
    ['two Authorization headers, the valid one second', [v1, auth(`Bearer ${other}`), auth(`Bearer ${rwToken}`)]],
    ['two Authorization headers with the same token', [v1, auth(`Bearer ${rwToken}`), auth(`Bearer ${rwToken}`)]],
    ['two Authorization headers in different cases', [v1, ['authorization', `Bearer ${rwToken}`], ['AUTHORIZATION', `Bearer ${roToken}`]]],
    ['a read-write and a read-only token', [v1, auth(`Bearer ${roToken}`), auth(`Bearer ${rwToken}`)]],
    ['two tokens in one Authorization header', [v1, auth(`Bearer ${rwToken}, Bearer ${other}`)]],
    ['two tokens after one scheme', [v1, auth(`Bearer ${rwToken} ${other}`)]],
    ['an empty Authorization header next to a valid subprotocol token', [subprotocol('virtwire.v1', `bearer.virtwire.${rwToken}`), auth('')]],
    ['a Basic header next to a valid subprotocol token', [subprotocol('virtwire.v1', `bearer.virtwire.${rwToken}`), auth('Basic YTpi')]],
    ['a header token and a different subprotocol token', [subprotocol('virtwire.v1', `bearer.virtwire.${other}`), auth(`Bearer ${rwToken}`)]],
    ['a different token in a second Sec-WebSocket-Protocol header', [v1, subprotocol(`bearer.virtwire.${other}`), auth(`Bearer ${rwToken}`)]],
    ['two subprotocol tokens in two headers', [subprotocol('virtwire.v1', `bearer.virtwire.${rwToken}`), subprotocol(`bearer.virtwire.${roToken}`)]],
  ];
  for (const [label, headers] of refused) {
    it(`refuses ${label} (401)`, async () => {
      expect(await status(...headers)).toBe(401);
    });
  }

  it('refuses two Origin headers even when one is allowed (403)', async () => {
    const token = auth(`Bearer ${rwToken}`);
    expect(await status(v1, token, ['Origin', 'https://console.example'])).toBe(101);
    expect(await status(v1, token, ['Origin', 'https://console.example'], ['Origin', 'https://evil.example'])).toBe(403);
    expect(await status(v1, token, ['Origin', 'https://evil.example'], ['Origin', 'https://console.example'])).toBe(403);
    expect(await status(v1, token, ['Origin', 'https://console.example'], ['origin', 'https://console.example'])).toBe(403);
  });
});
