// Drivers load when first needed: the qemu driver at start-up only when it has state to recover, else at its first open.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinDrivers } from '../../src/drivers/builtin-drivers.js';
import { parseConnectionUri } from '../../src/drivers/connection-uri.js';
import type { HypervisorDriver } from '../../src/drivers/driver.js';
import { LazyDriver } from '../../src/drivers/lazy-driver.js';
import { confinementPolicy } from '../../src/storage/confinement-policy.js';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'lazy-driver-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

const environment = () => ({ log: pino({ level: 'silent' }), stateDir, confinement: confinementPolicy({}) });
const byScheme = (drivers: HypervisorDriver[], scheme: string) => drivers.find((d) => d.scheme === scheme)!;

describe('the built-in drivers', () => {
  it('leave the qemu driver unloaded at start-up when no daemon left qemu state', async () => {
    const drivers = builtinDrivers(environment(), {});
    for (const driver of drivers) await driver.initialize?.();
    expect(existsSync(join(stateDir, 'qemu'))).toBe(false);
    await Promise.all(drivers.map((d) => d.shutdown()));
  });

  it('load and initialize the qemu driver at start-up when its state directory exists', async () => {
    mkdirSync(join(stateDir, 'qemu'));
    const drivers = builtinDrivers(environment(), {});
    for (const driver of drivers) await driver.initialize?.();
    expect(['domains', 'snapshots', 'intents'].map((d) => existsSync(join(stateDir, 'qemu', d)))).toEqual([true, true, true]);
    await Promise.all(drivers.map((d) => d.shutdown()));
  });

  it('open the test driver at its first ConnectOpen', async () => {
    const drivers = builtinDrivers(environment(), {});
    const connection = await byScheme(drivers, 'test').open(parseConnectionUri('test:///default'), false);
    expect(connection.uri).toBe('test:///default');
    expect(connection.capabilities.driver).toBe('test');
    await Promise.all(drivers.map((d) => d.shutdown()));
  });
});

describe('LazyDriver', () => {
  it('loads once, and a driver that fails to start fails every open with the reason as a VirError', async () => {
    let loads = 0;
    const lazy = new LazyDriver({
      scheme: 'broken',
      errorDomain: ErrorDomain.Qemu,
      load: async () => {
        loads++;
        throw new Error('runtime directory /tmp/x is not a private directory of this user');
      },
      hasState: () => false,
    });
    await lazy.initialize();
    expect(loads).toBe(0);
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await lazy.open(parseConnectionUri('broken:///session'), false).catch((e: unknown) => e);
      expect(VirError.is(error)).toBe(true);
      expect(error).toMatchObject({
        code: ErrorNumber.InternalError,
        domain: ErrorDomain.Qemu,
        message: 'internal error: the broken driver failed to start: runtime directory /tmp/x is not a private directory of this user',
      });
    }
    expect(loads).toBe(1);
    await lazy.shutdown();
  });

  it('passes a VirError from the driver through unchanged', async () => {
    const refusal = VirError.report(ErrorNumber.NoConnect, ErrorDomain.None, 'no');
    const lazy = new LazyDriver({ scheme: 'x', errorDomain: ErrorDomain.None, load: async () => Promise.reject(refusal), hasState: () => false });
    await expect(lazy.open(parseConnectionUri('x:///'), false)).rejects.toBe(refusal);
  });
});
