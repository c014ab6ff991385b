// Each driver's one table of methods: what a connection advertises is derived from it, and event wrappers keep its flag masks.
import { DomainSnapshotCreateFlags, DomainXMLFlags } from '@virtwire/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConnectionUri } from '../../src/drivers/connection-uri.js';
import { advertisedMethods, wrapMethod, type DriverMethods } from '../../src/drivers/driver.js';
import { TestDriver } from '../../src/drivers/test-driver/test-driver.js';
import { confinementPolicy } from '../../src/storage/confinement-policy.js';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'driver-methods-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('a driver method table', () => {
  it('is what a test-driver connection advertises: every method with a handler, each with its own mask', async () => {
    const driver = new TestDriver({ log: pino({ level: 'silent' }), stateDir, confinement: confinementPolicy({}) });
    const connection = await driver.open(parseConnectionUri('test:///default'));
    const table = Object.entries(connection.methods) as Array<[string, { flags: number; handle: unknown }]>;
    expect(Object.fromEntries(table.map(([name, method]) => [name, method.flags]))).toEqual(connection.capabilities.methods);
    for (const [, method] of table) expect(typeof method.handle).toBe('function');
    // spot checks against libvirt's masks, widened where virtwire goes further
    expect(connection.capabilities.methods.DomainGetXMLDesc).toBe(DomainXMLFlags.Secure | DomainXMLFlags.Inactive | DomainXMLFlags.Migratable);
    expect(connection.capabilities.methods.DomainSnapshotCreateXML! & DomainSnapshotCreateFlags.Atomic).toBe(DomainSnapshotCreateFlags.Atomic);
    await connection.close();
    await driver.shutdown();
  });

  it('advertises only what it holds, and a wrapped method keeps its mask', async () => {
    const table: DriverMethods = { ConnectGetVersion: { flags: 0, handle: () => 7 }, DomainSuspend: { flags: 0, handle: () => null } };
    expect(advertisedMethods(table)).toEqual({ ConnectGetVersion: 0, DomainSuspend: 0 });
    const calls: string[] = [];
    const wrapped = wrapMethod({ ...table, DomainGetXMLDesc: { flags: 3, handle: () => '<domain/>' } }, 'DomainGetXMLDesc', (handle) => (params, call) => {
      calls.push('before');
      return handle(params, call);
    });
    expect(wrapped.flags).toBe(3);
    expect(await wrapped.handle({ domain: { name: 'x', uuid: 'u', id: -1 }, flags: 0 }, {} as never)).toBe('<domain/>');
    expect(calls).toEqual(['before']);
    expect(() => wrapMethod(table, 'DomainResume', (handle) => handle)).toThrow(/no DomainResume/);
  });
});
