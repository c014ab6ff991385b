// Every method declares its permission, and every mutating one is refused to read-only principals before its params are read.
import { ConnectFlags, DomainXMLFlags, ErrorDomain, ErrorNumber, methods, type MethodSpec } from '@virtwire/protocol';
import { generateToken, tokenEntry } from '@virtwire/server';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { errorOf, openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';

const entries = Object.entries(methods) as Array<[string, MethodSpec]>;
const writeMethods = entries.filter(([, d]) => d.permission === 'write');
const readOnlyToken = generateToken();

/** Verbs that change something; a method whose name has one must need a read-write principal. */
const MUTATING =
  /(Create|Define|Undefine|Delete|Destroy|Revert|Suspend|Resume|Shutdown|Reboot|Reset|Set|Save|Restore|Attach|Detach|Update|Migrate|Abort|Block|Upload|Download|Wipe|Resize|Pin|Inject|Send|Start|Stop|Kill|Commit|Pivot|Rename|Import|Export|Backup|Freeze|Thaw)/;

describe('the method table', () => {
  it('declares a permission for every method, and flag permissions only with known kinds', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const [name, definition] of entries) {
      expect(['connect', 'read', 'write'], name).toContain(definition.permission);
      for (const extra of definition.flagPermissions) {
        expect(['read_secure', 'fs_freeze'], name).toContain(extra.permission);
        expect(definition.flags?.values ?? null, `${name} flag permission needs a flag enum`).not.toBeNull();
      }
    }
  });

  it("lets only ConnectOpen and rpc.discover (the protocol's own description) be called before a connection is open", () => {
    expect(entries.filter(([, d]) => d.permission === 'connect').map(([n]) => n)).toEqual(['ConnectOpen', 'rpc.discover']);
  });

  it('marks every method whose name says it changes something as write', () => {
    // A question (DomainHasManagedSaveImage, DomainGetSecurityLabel) is not a change, whatever noun it asks about.
    const question = /^(Domain|Node|Connect)?(Get|Has|Is|List|Lookup|Num)/;
    const lax = entries.filter(
      ([name, d]) => d.permission !== 'write' && !question.test(name) && MUTATING.test(name.replace(/^Connect/, '')) && name !== 'ConnectOpen',
    );
    expect(lax.map(([n]) => n)).toEqual([]);
  });
});

describe('read-only principals, for every write method in the table', () => {
  let server: TestDaemon;
  beforeAll(async () => {
    server = await startTestDaemon({ tokens: [tokenEntry(readOnlyToken, 'ro', 'viewer')] });
  });
  afterAll(async () => server.close());

  const principals: Array<[string, () => Promise<RawClient>, boolean]> = [
    ['the read-only unix socket', () => openRaw(unixUrl(server.readOnlySocket)), false],
    ['a read-only token (header)', () => openRaw(server.wsAddress, { headers: { authorization: `Bearer ${readOnlyToken}` } }), false],
    ['a read-only token (subprotocol)', () => openRaw(server.wsAddress, { protocols: ['virtwire.v1', `bearer.virtwire.${readOnlyToken}`] }), false],
    ['a read-write socket opened with VIR_CONNECT_RO', () => openRaw(unixUrl(server.socket)), true],
  ];

  /** Params that would fail every check after the permission one: a 1 MiB XML, wrong types, unknown keys. */
  const hostileParams = [
    { xml: `<domainsnapshot>${'<a>'.repeat(10)}${'x'.repeat(1000 * 1000)}</domainsnapshot>`, flags: -1, domain: 7 },
    { __proto__: { admin: true }, snapshot: 'nope', flags: 'x' },
    'not an object',
    [1, 2, 3],
  ];

  for (const [label, open, askReadOnly] of principals) {
    it(`refuses each write method to ${label} with VIR_ERR_OPERATION_DENIED, before and after ConnectOpen`, async () => {
      const client = await open();
      const deniedEverything = async () => {
        for (const [name, definition] of writeMethods) {
          for (const params of hostileParams) {
            const error = errorOf(await client.call(name, params));
            expect({ name, code: error.code, message: error.message, domain: error.data?.domain }).toEqual({
              name,
              code: ErrorNumber.OperationDenied,
              message: `operation forbidden: read only access prevents ${definition.libvirt}`,
              domain: definition.errorDomain,
            });
          }
        }
      };
      if (!askReadOnly) await deniedEverything();
      const opened = resultOf(await client.call('ConnectOpen', { uri: 'test:///default', flags: askReadOnly ? ConnectFlags.ReadOnly : 0 }));
      expect((opened as { readOnly: boolean }).readOnly).toBe(true);
      await deniedEverything();
      expect(resultOf(await client.call('ConnectGetVersion', {}))).toEqual(expect.any(Number));
      client.close();
    });
  }

  it('refuses read_secure flags to read-only principals (virDomainGetXMLDesc with VIR_DOMAIN_XML_SECURE)', async () => {
    const client = await openRaw(unixUrl(server.readOnlySocket));
    resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }));
    const domain = resultOf(await client.call('DomainLookupByName', { name: 'test' }));
    const error = errorOf(await client.call('DomainGetXMLDesc', { domain, flags: DomainXMLFlags.Secure }));
    expect(error.code).toBe(ErrorNumber.OperationDenied);
    expect(error.message).toBe('operation forbidden: virDomainGetXMLDesc with secure flag');
    expect(error.data?.domain).toBe(ErrorDomain.Domain);
    expect(resultOf(await client.call('DomainGetXMLDesc', { domain, flags: 0 }))).toContain('<domain');
    client.close();
  });

  it('lets read-write principals through the same methods (the refusal is the principal, not the method)', async () => {
    const client = await openRaw(server.wsAddress, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }));
    const domain = resultOf(await client.call('DomainLookupByName', { name: 'test' }));
    expect(resultOf(await client.call('DomainSuspend', { domain }))).toBeNull();
    expect(resultOf(await client.call('DomainResume', { domain }))).toBeNull();
    client.close();
  });

  it('creates the read-write socket 0600 and the read-only socket 0666', () => {
    expect(statSync(server.socket).mode & 0o777).toBe(0o600);
    expect(statSync(server.readOnlySocket).mode & 0o777).toBe(0o666);
  });
});
