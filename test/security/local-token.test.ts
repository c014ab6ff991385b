// The real binary's first start: a read-write token for the local user, found by the SDK; and `virtwired token add|list|remove`.
import { connect } from '@virtwire/client';
import { ErrorNumber, VirError } from '@virtwire/protocol';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTokenLine, tokenEntry } from '@virtwire/server';
import { openRaw, refusal } from '../helpers/raw-client.js';
import { spawnVirtwired, VIRTWIRED_BIN, type SpawnedDaemon } from '../helpers/daemon-process.js';

describe('virtwired on first start, and its token subcommand', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const savedEnv = { token: process.env.VIRTWIRE_TOKEN, config: process.env.XDG_CONFIG_HOME };
  const args = () => ['--listen', '127.0.0.1:0', '--unix', join(dir, 'sock'), '--unix-ro', join(dir, 'sock-ro'), '--state-dir', join(dir, 'state')];
  const clientTokenFile = () => join(dir, 'config', 'virtwire', 'token');
  const tokenFile = () => join(dir, 'state', 'tokens');
  const tokenCli = (...rest: string[]) =>
    execFileSync(process.execPath, [VIRTWIRED_BIN, 'token', '--token-file', tokenFile(), ...rest], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-first-start-'));
    env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'config') };
    delete env.VIRTWIRE_TOKEN;
    delete process.env.VIRTWIRE_TOKEN;
    process.env.XDG_CONFIG_HOME = env.XDG_CONFIG_HOME;
  });
  afterAll(() => {
    if (savedEnv.token === undefined) delete process.env.VIRTWIRE_TOKEN;
    else process.env.VIRTWIRE_TOKEN = savedEnv.token;
    if (savedEnv.config === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = savedEnv.config;
    rmSync(dir, { recursive: true, force: true });
  });

  const uriOf = (daemon: SpawnedDaemon) => `test+ws://${daemon.addresses.find((a) => a.startsWith('ws://'))!.slice(5)}/default`;

  it('creates a 0600 read-write token the SDK finds by itself, storing only its hash', async () => {
    const daemon = await spawnVirtwired(args(), { env });
    try {
      expect(daemon.stderr()).toContain(`read-write token 'local' created in ${clientTokenFile()}`);
      const token = readFileSync(clientTokenFile(), 'utf8').trim();
      expect(statSync(clientTokenFile()).mode & 0o777).toBe(0o600);
      expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
      const stored = readFileSync(tokenFile(), 'utf8');
      expect(stored).not.toContain(token);
      expect(stored).toContain(formatTokenLine(tokenEntry(token, 'rw', 'local')));
      const conn = await connect(uriOf(daemon));
      expect(conn.readOnly).toBe(false);
      await conn.close();
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });

  it('keeps the token file on the next start, and the same token still works', async () => {
    const before = readFileSync(tokenFile(), 'utf8');
    const daemon = await spawnVirtwired(args(), { env });
    try {
      expect(daemon.stderr()).not.toContain("token 'local'");
      expect(readFileSync(tokenFile(), 'utf8')).toBe(before);
      await (await connect(uriOf(daemon))).close();
    } finally {
      await daemon.stop();
    }
  });

  it('adds, lists and removes tokens while the daemon runs', async () => {
    const daemon = await spawnVirtwired(args(), { env });
    try {
      const token = tokenCli('add', '--role', 'ro', '--name', 'ci').trim();
      expect(token).toMatch(/^vwt_[A-Za-z0-9_-]{43}$/);
      expect(tokenCli('list')).toBe('local rw\nci ro\n');
      const conn = await connect(uriOf(daemon), { token });
      expect(conn.readOnly).toBe(true);
      const dom = await conn.domainLookupByName('test');
      const denied = await dom.suspend().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(VirError.is(denied) && denied.code).toBe(ErrorNumber.OperationDenied);
      await conn.close();
      expect(() => tokenCli('add', '--role', 'rw', '--name', 'ci')).toThrow(/already exists/);
      expect(() => tokenCli('add', '--role', 'admin', '--name', 'x')).toThrow(/expected 'ro' or 'rw'/);
      tokenCli('remove', 'ci');
      expect(tokenCli('list')).toBe('local rw\n');
      const url = daemon.addresses.find((a) => a.startsWith('ws://'))!;
      expect(await refusal(openRaw(url, { headers: { authorization: `Bearer ${token}` } }))).toMatchObject({ status: 401 });
    } finally {
      await daemon.stop();
    }
  });

  it('refuses to start on a non-loopback address without TLS', async () => {
    await expect(spawnVirtwired(['--listen', '0.0.0.0:0', '--no-unix', '--state-dir', join(dir, 'state')], { env })).rejects.toThrow(
      /refusing plain ws:\/\/ on non-loopback address 0\.0\.0\.0/,
    );
  });
});
