// rpc.discover: an OpenRPC document generated from the method table, valid against OpenRPC's meta-schema, open to every principal; unknown methods refused cleanly.
import { connect, type Connection } from '@virtwire/client';
import jsonSchemaMetaSchema from '@json-schema-tools/meta-schema';
import openRpcMetaSchema from '@open-rpc/meta-schema';
import {
  DomainSnapshotCreateFlags,
  ErrorDomain,
  ErrorNumber,
  flagConstants,
  formatVersion,
  LIB_VERSION,
  methods,
  type MethodName,
  type MethodSpec,
  type OpenRpcDocument,
} from '@virtwire/protocol';
import { methodSchemas, openRpcDocument } from '@virtwire/protocol/schemas';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { errorOf, openRaw, resultOf, unixUrl } from '../helpers/raw-client.js';

/** Validates documents against OpenRPC's meta-schema, whose content descriptors refer to json-schema.tools' draft-07 meta-schema. */
function openRpcValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // That draft-07 meta-schema, under its $id and under the name OpenRPC's meta-schema uses (no trailing slash).
  const draft7 = { ...(jsonSchemaMetaSchema as object), $schema: 'http://json-schema.org/draft-07/schema#' };
  ajv.addMetaSchema({ ...draft7, $id: 'https://meta.json-schema.tools/' });
  ajv.addMetaSchema({ ...draft7, $id: 'https://meta.json-schema.tools' });
  return ajv.compile(openRpcMetaSchema as object);
}

const tableNames = (Object.keys(methods) as MethodName[]).filter((name) => !name.startsWith('rpc.'));

let server: TestDaemon;
let conn: Connection;
let discovered: OpenRpcDocument;
beforeAll(async () => {
  server = await startTestDaemon();
  conn = await connect(server.uri());
  discovered = await conn.discover();
});
afterAll(async () => {
  await conn.close();
  await server.close();
});

describe('the OpenRPC document', () => {
  it('is valid against the OpenRPC meta-schema', () => {
    const validate = openRpcValidator();
    const valid = validate(discovered);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('fails the meta-schema when it is broken (the validator is not a yes-man)', () => {
    const validate = openRpcValidator();
    const broken = structuredClone(discovered) as { methods: Array<Record<string, unknown>> };
    delete broken.methods[0]!.params;
    expect(validate(broken)).toBe(false);
    expect(validate({ ...discovered, methods: [{ name: 'X', params: [], surprise: true }] })).toBe(false);
  });

  it('is what the protocol package generates, named and versioned as the protocol', () => {
    expect(discovered).toEqual(openRpcDocument());
    expect(discovered.info.version).toBe(formatVersion(LIB_VERSION));
    expect(discovered['x-subprotocol']).toBe('virtwire.v1');
  });

  it('lists every method of the table, once, with its libvirt name, permission, flag constants and error domain', () => {
    expect(discovered.methods.map((m) => m.name)).toEqual(tableNames);
    for (const method of discovered.methods) {
      const spec: MethodSpec = methods[method.name as MethodName];
      expect(method['x-libvirt'], method.name).toBe(spec.libvirt);
      expect(method['x-permission'], method.name).toBe(spec.permission);
      expect(method['x-flags'], method.name).toEqual(spec.flags ? flagConstants(spec.flags) : undefined);
      expect(method['paramStructure']).toBe('by-name');
    }
    const create = discovered.methods.find((m) => m.name === 'DomainSnapshotCreateXML')!;
    expect(create['x-error-domain']).toBe('VIR_FROM_DOMAIN_SNAPSHOT');
    expect((create['x-flags'] as Record<string, number>).VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC).toBe(DomainSnapshotCreateFlags.Atomic);
    expect(create['x-flag-permissions']).toEqual([{ flag: 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE', permission: 'fs_freeze' }]);
    expect(create['x-flag-rules']).toContainEqual({ flag: 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT', requires: 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' });
    expect(create['x-flag-rules']).toContainEqual({ exclusive: ['VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE', 'VIR_DOMAIN_SNAPSHOT_CREATE_HALT'] });
  });

  it('describes parameters the way the daemon validates them: the schemas accept and refuse what zod does', async () => {
    const ajv = new Ajv({ strict: false });
    const dom = await conn.domainLookupByName('test');
    const samples: Array<[MethodName, Record<string, unknown>]> = [
      ['DomainSnapshotCreateXML', { domain: dom.ref, xml: '<domainsnapshot/>', flags: DomainSnapshotCreateFlags.Atomic }],
      ['DomainSnapshotCreateXML', { domain: { ...dom.ref, uuid: dom.ref.uuid.toUpperCase() }, xml: '<domainsnapshot/>' }],
      ['DomainSnapshotCreateXML', { domain: dom.ref, xml: '<domainsnapshot/>', flags: -1 }],
      ['DomainSnapshotCreateXML', { domain: dom.ref, xml: '<domainsnapshot/>', extra: 1 }],
      ['DomainLookupByName', { name: '' }],
      ['ConnectListAllDomains', {}],
      ['ConnectOpen', { uri: null }],
    ];
    for (const [name, params] of samples) {
      const method = discovered.methods.find((m) => m.name === name)!;
      const descriptors = method.params as Array<{ name: string; required: boolean; schema: object }>;
      const asObject = {
        type: 'object',
        properties: Object.fromEntries(descriptors.map((d) => [d.name, d.schema])),
        required: descriptors.filter((d) => d.required).map((d) => d.name),
        additionalProperties: false,
      };
      const zodSays = methodSchemas[name].params.safeParse(params).success;
      expect(ajv.validate(asObject, params), `${name} ${JSON.stringify(params)}`).toBe(zodSays);
    }
  });
});

describe('rpc.discover on the wire', () => {
  it('answers before ConnectOpen, on the read-only socket, without params or with none named', async () => {
    const client = await openRaw(unixUrl(server.readOnlySocket));
    try {
      expect(resultOf(await client.call('rpc.discover'))).toEqual(discovered);
      expect(resultOf(await client.call('rpc.discover', {}))).toEqual(discovered);
      expect(errorOf(await client.call('rpc.discover', { surprise: 1 })).code).toBe(-32602);
    } finally {
      client.close();
    }
  });

  it('answers a read-only SDK connection too', async () => {
    const readOnly = await connect(server.uri(), { readOnly: true });
    try {
      expect(await readOnly.discover()).toEqual(discovered);
    } finally {
      await readOnly.close();
    }
  });
});

describe('a method the table lacks, through conn.call()', () => {
  it('is refused locally with the clean VirError the daemon would give, and nothing is sent', async () => {
    const sent = conn.requestsSent;
    const local = await expectVirError(
      conn.call('DomainNoSuchThing' as MethodName, {} as never),
      ErrorNumber.NoSupport,
      ErrorDomain.Remote,
      'this function is not supported by the connection driver: Method not found',
    );
    expect(conn.requestsSent).toBe(sent);
    expect(errorFields(local)).toEqual(errorFields(await remoteRefusal('DomainNoSuchThing')));
  });

  it('is refused the same way for inherited names and missing params', async () => {
    for (const name of ['__proto__', 'toString', 'constructor']) {
      await expectVirError(
        conn.call(name as MethodName, undefined as never),
        ErrorNumber.NoSupport,
        ErrorDomain.Remote,
        'this function is not supported by the connection driver: Method not found',
      );
    }
  });

  it('does not throw a TypeError for a known method called without params from untyped code', async () => {
    expect(await conn.call('ConnectGetVersion', undefined as never)).toEqual(expect.any(Number));
  });

  it('answers through the promise, never by throwing, when untyped code passes options it cannot read', async () => {
    let call: Promise<unknown> | undefined;
    expect(() => (call = conn.call('ConnectGetVersion', {}, null as never))).not.toThrow();
    await expect(call).rejects.toThrow(TypeError);
    expect(await conn.call('ConnectGetVersion', {})).toEqual(expect.any(Number));
  });
});

/**
 * What the daemon answers for an unknown method, as the SDK maps it: written to the connection's own
 * RPC channel (under the local checks, which `Connection.call` runs first), so the daemon answers it.
 */
async function remoteRefusal(name: string) {
  const { channel } = conn as unknown as { channel: { call(method: string, params: unknown): Promise<unknown> } };
  const sent = conn.requestsSent;
  const error = await expectVirError(
    channel.call(name, {}),
    ErrorNumber.NoSupport,
    ErrorDomain.Remote,
    'this function is not supported by the connection driver: Method not found',
  );
  expect(conn.requestsSent).toBe(sent + 1);
  return error;
}

function errorFields(error: { code: number; domain: number; message: string; str1: string | null; str2: string | null; int1: number; int2: number }) {
  const { code, domain, message, str1, str2, int1, int2 } = error;
  return { code, domain, message, str1, str2, int1, int2 };
}
