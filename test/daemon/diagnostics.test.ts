// What a user is told when the daemon refuses them: the 403 log line names the origin, the SDK says where it looked for a token.
import { connect } from '@virtwire/client';
import { ErrorDomain, ErrorNumber } from '@virtwire/protocol';
import { generateToken, startDaemon, tokenEntry, type Daemon } from '@virtwire/server';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { captureLog } from '../security/support/log-capture.js';
import { openRaw, refusal } from '../helpers/raw-client.js';

let daemon: Daemon;
let dir: string;
let hostPort: string;
const log = captureLog();
const token = generateToken();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'virtwire-diagnostics-'));
  daemon = await startDaemon({
    listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
    stateDir: join(dir, 'state'),
    tokens: [tokenEntry(token, 'rw', 'admin')],
    allowedOrigins: ['https://console.example'],
    logStream: log.stream,
  });
  hostPort = daemon.addresses[0]!.slice('ws://'.length);
});
afterAll(async () => {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a refused browser origin', () => {
  it('is named in the log line, with the option that would let it in', async () => {
    const origin = 'https://dashboard.example:8443';
    expect(await refusal(openRaw(`ws://${hostPort}`, { headers: { authorization: `Bearer ${token}` }, origin }))).toMatchObject({ status: 403 });
    const line = log.lines().find((l) => l.status === 403)!;
    expect(line).toMatchObject({ level: 40, origin, msg: expect.stringContaining(`origin "${origin}" is not allowed`) });
    expect(line.msg).toContain(`--allow-origin "${origin}"`);
  });

  it('is quoted and cut short in the message, whatever the client sent', async () => {
    const origin = `https://${'x'.repeat(1000)}.example`;
    await refusal(openRaw(`ws://${hostPort}`, { headers: { authorization: `Bearer ${token}` }, origin }));
    const line = log
      .lines()
      .filter((l) => l.status === 403)
      .at(-1)!;
    expect((line.msg as string).length).toBeLessThan(700);
  });
});

describe('the Node SDK without a usable token', () => {
  const environment = (extra: Record<string, string> = {}) => ({ HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'config'), ...extra });

  it('says where it looked when it found none', async () => {
    const error = await expectVirError(
      connect(`test+ws://${hostPort}/default`, {}, environment()),
      ErrorNumber.AuthFailed,
      ErrorDomain.Rpc,
      `authentication failed: no token: none in options.token, $VIRTWIRE_TOKEN is not set, and ${join(dir, 'config', 'virtwire', 'token')} does not exist or is empty ` +
        '(virtwired writes it on its first start; `virtwired token add` makes more)',
    );
    expect(error.message).not.toContain(token);
  });

  it('says which token the daemon refused: the file, or the variable', async () => {
    mkdirSync(join(dir, 'config', 'virtwire'), { recursive: true });
    const file = join(dir, 'config', 'virtwire', 'token');
    writeFileSync(file, `${generateToken()}\n`);
    await expectVirError(
      connect(`test+ws://${hostPort}/default`, {}, environment()),
      ErrorNumber.AuthFailed,
      ErrorDomain.Rpc,
      `authentication failed: the daemon did not accept the token from ${file} (unknown or revoked)`,
    );
    await expectVirError(
      connect(`test+ws://${hostPort}/default`, {}, environment({ VIRTWIRE_TOKEN: generateToken() })),
      ErrorNumber.AuthFailed,
      ErrorDomain.Rpc,
      'authentication failed: the daemon did not accept the token from $VIRTWIRE_TOKEN (unknown or revoked)',
    );
  });

  it('keeps the plain refusal for a token the caller gave', async () => {
    await expectVirError(
      connect(`test+ws://${hostPort}/default`, { token: generateToken() }, environment()),
      ErrorNumber.AuthFailed,
      ErrorDomain.Rpc,
      'authentication failed: the daemon did not accept the token (missing, unknown or revoked)',
    );
  });
});
