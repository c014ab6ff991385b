// Authentication at the upgrade: tokens (header or subprotocol), Origin, subprotocol, TLS and client certificates.
import { connect, TOKEN_SUBPROTOCOL_PREFIX as CLIENT_PREFIX } from '@virtwire/client';
import { ErrorNumber } from '@virtwire/protocol';
import { formatTokenLine, generateToken, parseTokenFile, startDaemon, tokenEntry, type Daemon } from '@virtwire/server';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_SUBPROTOCOL_PREFIX as SERVER_PREFIX } from '@virtwire/server/testing';
import { errorOf, openRaw, refusal, resultOf, unixUrl } from '../helpers/raw-client.js';
import { captureLog } from './support/log-capture.js';
import { makeTlsFixtures, type TlsFixtures } from './support/tls-fixtures.js';

const rwToken = generateToken();
const roToken = generateToken();
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('token authentication on a loopback TCP listener', () => {
  let daemon: Daemon;
  let dir: string;
  let url: string;
  const log = captureLog();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-auth-'));
    daemon = await startDaemon({
      listeners: [
        { kind: 'tcp', host: '127.0.0.1', port: 0 },
        { kind: 'unix', path: join(dir, 'sock'), readOnly: false },
      ],
      stateDir: join(dir, 'state'),
      tokens: [tokenEntry(rwToken, 'rw', 'admin'), tokenEntry(roToken, 'ro', 'viewer')],
      allowedOrigins: ['https://console.example'],
      logLevel: 'trace',
      logStream: log.stream,
    });
    url = daemon.addresses.find((a) => a.startsWith('ws://'))!;
  });
  afterAll(async () => {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a connection without a token: 401 with a Bearer challenge', async () => {
    const refused = await refusal(openRaw(url));
    expect(refused).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer realm="virtwired"' } });
  });

  it('refuses a wrong token, in the header and in the subprotocol', async () => {
    expect(await refusal(openRaw(url, bearer(generateToken())))).toMatchObject({ status: 401 });
    expect(await refusal(openRaw(url, { protocols: ['virtwire.v1', `bearer.virtwire.${generateToken()}`] }))).toMatchObject({ status: 401 });
    expect(await refusal(openRaw(url, bearer(`${rwToken}x`)))).toMatchObject({ status: 401 });
    expect(await refusal(openRaw(url, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }))).toMatchObject({ status: 401 });
  });

  it('refuses two different tokens at once, even when one is right', async () => {
    const both = { ...bearer(rwToken), protocols: ['virtwire.v1', `bearer.virtwire.${roToken}`] };
    expect(await refusal(openRaw(url, both))).toMatchObject({ status: 401 });
  });

  it('accepts the token in the header and in the subprotocol, selecting only virtwire.v1', async () => {
    const viaHeader = await openRaw(url, bearer(rwToken));
    expect(viaHeader.protocol).toBe('virtwire.v1');
    viaHeader.close();
    const viaSubprotocol = await openRaw(url, { protocols: ['virtwire.v1', `bearer.virtwire.${rwToken}`] });
    expect(viaSubprotocol.protocol).toBe('virtwire.v1');
    viaSubprotocol.close();
    expect(SERVER_PREFIX).toBe(CLIENT_PREFIX);
  });

  it('gives a read-only token read methods only', async () => {
    const client = await openRaw(url, bearer(roToken));
    const opened = resultOf(await client.call('ConnectOpen', { uri: 'test:///default' })) as { readOnly: boolean };
    expect(opened.readOnly).toBe(true);
    const domain = resultOf(await client.call('DomainLookupByName', { name: 'test' }));
    const error = errorOf(await client.call('DomainSnapshotCreateXML', { domain, xml: '<domainsnapshot/>' }));
    expect(error.code).toBe(ErrorNumber.OperationDenied);
    expect(error.message).toBe('operation forbidden: read only access prevents virDomainSnapshotCreateXML');
    client.close();
  });

  it('refuses a foreign Origin with 403 and accepts an allowed one', async () => {
    expect(await refusal(openRaw(url, { ...bearer(rwToken), origin: 'https://evil.example' }))).toMatchObject({ status: 403 });
    expect(await refusal(openRaw(url, { ...bearer(rwToken), origin: 'null' }))).toMatchObject({ status: 403 });
    expect(await refusal(openRaw(unixUrl(join(dir, 'sock')), { origin: 'https://evil.example' }))).toMatchObject({ status: 403 });
    const allowed = await openRaw(url, { ...bearer(rwToken), origin: 'https://console.example' });
    allowed.close();
  });

  it('refuses a missing or different subprotocol with 400, token or not', async () => {
    expect(await refusal(openRaw(url, { ...bearer(rwToken), protocols: [] }))).toMatchObject({ status: 400 });
    expect(await refusal(openRaw(url, { ...bearer(rwToken), protocols: ['virtwire.v2'] }))).toMatchObject({ status: 400 });
    expect(await refusal(openRaw(url, { protocols: [`bearer.virtwire.${rwToken}`] }))).toMatchObject({ status: 400 });
  });

  it('needs no token on the unix socket, whose file mode decides', async () => {
    const client = await openRaw(unixUrl(join(dir, 'sock')));
    expect(resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ readOnly: false });
    client.close();
  });

  it('works through the SDK with an explicit token, and fails without one', async () => {
    const hostPort = url.slice('ws://'.length);
    const conn = await connect(`test+ws://${hostPort}/default`, { token: roToken });
    expect(conn.readOnly).toBe(true);
    await conn.close();
    await expect(connect(`test+ws://${hostPort}/default`, { token: generateToken() })).rejects.toMatchObject({
      code: ErrorNumber.AuthFailed,
      message: 'authentication failed: the daemon did not accept the token (missing, unknown or revoked)',
    });
  });

  it('never writes a token to the log, not even a rejected one', async () => {
    const rejected = generateToken();
    await refusal(openRaw(url, bearer(rejected)));
    (await openRaw(url, bearer(rwToken))).close();
    const text = log.text();
    expect(text).toContain('upgrade refused');
    for (const secret of [rwToken, roToken, rejected]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(4, 20));
    }
  });
});

describe('the token file', () => {
  it('holds only hashes, is re-read when it changes, and revocation takes effect for new connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtwire-tokenfile-'));
    const file = join(dir, 'tokens');
    const first = generateToken();
    const second = generateToken();
    writeFileSync(file, `# comment\n${formatTokenLine(tokenEntry(first, 'rw', 'first'))}\n`, { mode: 0o600 });
    const daemon = await startDaemon({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }], stateDir: dir, tokenFile: file, logLevel: 'silent' });
    const url = daemon.addresses[0]!;
    try {
      (await openRaw(url, bearer(first))).close();
      expect(await refusal(openRaw(url, bearer(second)))).toMatchObject({ status: 401 });
      writeFileSync(file, `${formatTokenLine(tokenEntry(second, 'ro', 'second'))}\n`, { mode: 0o600 });
      (await openRaw(url, bearer(second))).close();
      expect(await refusal(openRaw(url, bearer(first)))).toMatchObject({ status: 401 });
    } finally {
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closes open connections whose token was removed or changed role, at the next heartbeat (1008)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtwire-revoke-'));
    const file = join(dir, 'tokens');
    const [revoked, kept] = [generateToken(), generateToken()];
    // Replaced whole (write, then rename), as `virtwired token` does: a heartbeat must never read a half-written file.
    const write = (entries: Array<[string, 'rw' | 'ro', string]>) => {
      writeFileSync(`${file}.new`, entries.map(([token, role, name]) => `${formatTokenLine(tokenEntry(token, role, name))}\n`).join(''), { mode: 0o600 });
      renameSync(`${file}.new`, file);
    };
    write([
      [revoked, 'rw', 'revoked'],
      [kept, 'rw', 'kept'],
    ]);
    const daemon = await startDaemon({
      listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
      stateDir: dir,
      tokenFile: file,
      logLevel: 'silent',
      limits: { heartbeatIntervalMs: 50 },
    });
    const url = daemon.addresses[0]!;
    try {
      const [gone, staying] = await Promise.all([openRaw(url, bearer(revoked)), openRaw(url, bearer(kept))]);
      write([[kept, 'rw', 'kept']]);
      expect(await gone.closed).toEqual({ code: 1008, reason: 'token revoked' });
      // The same heartbeat checked the other connection: it is still served.
      expect(resultOf(await staying.call('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ readOnly: false });
      write([[kept, 'ro', 'kept']]);
      expect(await staying.closed).toEqual({ code: 1008, reason: 'token revoked' });
    } finally {
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a malformed or group-writable token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtwire-tokenfile-'));
    const file = join(dir, 'tokens');
    const start = () => startDaemon({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }], stateDir: dir, tokenFile: file, logLevel: 'silent' });
    try {
      writeFileSync(file, `${generateToken()} rw plain-text-token\n`, { mode: 0o600 });
      await expect(start()).rejects.toThrow(/expected 'sha256:<64 hex digits> <ro\|rw> <name>'/);
      writeFileSync(file, `${formatTokenLine(tokenEntry(generateToken(), 'rw', 'a'))}\n`);
      chmodSync(file, 0o620);
      await expect(start()).rejects.toThrow(/writable by group or others/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listeners off loopback', () => {
  it('refuses plain ws:// on a non-loopback address', async () => {
    await expect(
      startDaemon({ listeners: [{ kind: 'tcp', host: '0.0.0.0', port: 0 }], stateDir: join(tmpdir(), 'virtwire-never-created'), logLevel: 'silent' }),
    ).rejects.toThrow('refusing plain ws:// on non-loopback address 0.0.0.0; listen on 127.0.0.1 or configure TLS');
  });
});

describe('TLS', () => {
  let tls: TlsFixtures;
  let daemon: Daemon;
  let verifying: Daemon;
  let stateDir: string;
  beforeAll(async () => {
    tls = makeTlsFixtures();
    stateDir = mkdtempSync(join(tmpdir(), 'virtwire-tls-state-'));
    const tokens = [tokenEntry(rwToken, 'rw', 'admin')];
    daemon = await startDaemon({
      listeners: [{ kind: 'tcp', host: '0.0.0.0', port: 0, tls: { cert: tls.serverCert, key: tls.serverKey } }],
      stateDir,
      tokens,
      logLevel: 'silent',
    });
    verifying = await startDaemon({
      listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0, tls: { cert: tls.serverCert, key: tls.serverKey, clientCa: tls.ca } }],
      stateDir: join(stateDir, 'verifying'),
      tokens,
      logLevel: 'silent',
    });
  });
  afterAll(async () => {
    await daemon?.close();
    await verifying?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const port = (d: Daemon) => d.addresses[0]!.split(':').pop()!;

  it('serves wss:// on a non-loopback listener, with a token', async () => {
    expect(daemon.addresses[0]).toMatch(/^wss:\/\/0\.0\.0\.0:\d+$/);
    const client = await openRaw(`wss://127.0.0.1:${port(daemon)}`, { ...bearer(rwToken), ca: tls.ca });
    expect(resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ readOnly: false });
    client.close();
    expect(await refusal(openRaw(`wss://127.0.0.1:${port(daemon)}`, { ca: tls.ca }))).toMatchObject({ status: 401 });
  });

  it('does not speak plain ws:// on a TLS port, and a client that does not trust the certificate fails', async () => {
    expect(await refusal(openRaw(`ws://127.0.0.1:${port(daemon)}`, bearer(rwToken)))).toHaveProperty('error');
    expect(await refusal(openRaw(`wss://127.0.0.1:${port(daemon)}`, bearer(rwToken)))).toMatchObject({
      error: expect.stringMatching(/self.signed|certificate/i),
    });
  });

  it('works through the SDK (test+wss://) with the CA and the token', async () => {
    const conn = await connect(`test+wss://127.0.0.1:${port(daemon)}/default`, { token: rwToken, tls: { ca: tls.ca } });
    expect(await conn.getVersion()).toEqual(expect.any(Number));
    await conn.close();
  });

  it('with client verification, refuses no certificate and a certificate from another CA', async () => {
    const target = `wss://127.0.0.1:${port(verifying)}`;
    expect(await refusal(openRaw(target, { ...bearer(rwToken), ca: tls.ca }))).toHaveProperty('error');
    const foreign = { ...bearer(rwToken), ca: tls.ca, cert: tls.foreignClientCert, key: tls.foreignClientKey };
    expect(await refusal(openRaw(target, foreign))).toHaveProperty('error');
  });

  it('with client verification, accepts a certificate from the CA, and still wants the token', async () => {
    const target = `wss://127.0.0.1:${port(verifying)}`;
    const withCert = { ca: tls.ca, cert: tls.clientCert, key: tls.clientKey };
    const client = await openRaw(target, { ...withCert, ...bearer(rwToken) });
    expect(resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ readOnly: false });
    client.close();
    expect(await refusal(openRaw(target, withCert))).toMatchObject({ status: 401 });
  });
});

describe('the token format', () => {
  it('generates 256-bit tokens that are valid subprotocol text, and parses only well-formed files', () => {
    const token = generateToken();
    expect(token).toMatch(/^vwt_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(token);
    const line = formatTokenLine(tokenEntry(token, 'ro', 'ci@host'));
    expect(line).toMatch(/^sha256:[0-9a-f]{64} ro ci@host$/);
    expect(parseTokenFile(`# header\n\n  ${line}  \n`)).toEqual([tokenEntry(token, 'ro', 'ci@host')]);
    expect(() => parseTokenFile(`${line}\n${line}\n`, 'f')).toThrow("f:2: duplicate token name 'ci@host'");
    expect(() => parseTokenFile('sha256:abc rw x\n', 'f')).toThrow('f:1:');
    expect(() => parseTokenFile(`${line.replace(' ro ', ' admin ')}\n`, 'f')).toThrow('f:1:');
    expect(() => parseTokenFile(`${line.replace('ci@host', 'a/b')}\n`, 'f')).toThrow('f:1:');
    expect(() => tokenEntry(token, 'rw', 'has space')).toThrow(/invalid token name/);
  });
});
