// fast-check as a fuzz loop over frames and snapshot XML: whatever comes in, no internal error, no crash, no file.
import fc from 'fast-check';
import { methods } from '@virtwire/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { loadJsonRpcCases, expandFrame } from './support/hostile-corpus.js';
import { prepareHostileStorage, type HostileStorage } from './support/hostile-storage.js';
import { openRaw, resultOf, unixUrl, type RawClient, type RawEvent } from '../helpers/raw-client.js';

/** Runs per property; `FUZZ_RUNS=20000 npx vitest run test/security/fuzz.test.ts` for a long session. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const PROTOCOL_CODES = new Set([-32700, -32600, -32601, -32602, -32029]);
const PROBE = '__fuzz_probe__';

/** Sends one frame and a probe; returns every reply up to the probe's (and checks none is an internal error). */
async function exchange(client: RawClient, frame: string): Promise<RawEvent[]> {
  client.sendText(frame);
  client.sendText(JSON.stringify({ jsonrpc: '2.0', id: PROBE, method: 'ConnectGetHostname' }));
  const replies: RawEvent[] = [];
  for (;;) {
    const event = await client.next();
    if (event.kind === 'close') throw new Error(`connection closed (${event.code}) after ${JSON.stringify(frame.slice(0, 200))}`);
    if ((event.json as { id?: unknown } | undefined)?.id === PROBE) return replies;
    replies.push(event);
  }
}

/** Every error in a reply (single or batch) has a documented code and carries no stack trace. */
function checkReplies(frame: string, replies: RawEvent[]): void {
  for (const reply of replies) {
    if (reply.kind !== 'message') continue;
    if (reply.text === 'PONG') continue;
    const items = Array.isArray(reply.json) ? reply.json : [reply.json];
    for (const item of items as Array<{ error?: { code: number; message: string } }>) {
      const error = item?.error;
      if (!error) continue;
      const documented = error.code > 0 || PROTOCOL_CODES.has(error.code);
      if (!documented || /\n\s+at /.test(error.message)) {
        throw new Error(`undocumented error ${JSON.stringify(error)} for ${JSON.stringify(frame.slice(0, 300))}`);
      }
    }
  }
}

const methodName = fc.oneof(
  fc.constantFrom(...Object.keys(methods)),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'rpc.discover', 'hasOwnProperty', ''),
  fc.string({ maxLength: 40 }),
);
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.double(), fc.jsonValue({ maxDepth: 2 }));
const request = fc.record(
  { jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue({ maxDepth: 1 })), id, method: methodName, params: fc.jsonValue({ maxDepth: 4 }) },
  { requiredKeys: [] },
);
const corpusFrames = loadJsonRpcCases()
  .filter((c) => c.frame !== undefined && c.fragments === undefined && !('close' in c.expect))
  .map((c) => expandFrame(c.frame!))
  .filter((f) => f.length < 4096);
/** A corpus frame with a few characters deleted, replaced or inserted. */
const mutated = fc
  .tuple(fc.constantFrom(...corpusFrames), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 2 }), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 4 }))
  .map(([frame, edits]) =>
    edits.reduce((text, [at, kind, insert]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      return kind === 0
        ? text.slice(0, i) + text.slice(i + 1)
        : kind === 1
          ? text.slice(0, i) + insert + text.slice(i + 1)
          : text.slice(0, i) + insert + text.slice(i);
    }, frame),
  );
const frames = fc.oneof(
  request.map((r) => JSON.stringify(r)),
  fc.array(request, { maxLength: 70 }).map((b) => JSON.stringify(b)),
  fc.json({ maxDepth: 6 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  mutated,
);

/** Snapshot XML built from libvirt's vocabulary, prototype names and hostile values, sometimes broken on purpose. */
function snapshotXml(vars: Record<string, string>) {
  const names = fc.constantFrom(
    'name',
    'description',
    'disks',
    'disk',
    'source',
    'driver',
    'memory',
    'state',
    'creationTime',
    'parent',
    'domain',
    '__proto__',
    'constructor',
    'toString',
    'a',
    'x:y',
  );
  const attributeNames = fc.constantFrom('name', 'snapshot', 'file', 'dev', 'type', '__proto__', 'constructor', 'xmlns:x');
  const values = fc.oneof(
    fc.constantFrom(
      'vda',
      'vdb',
      'external',
      'internal',
      'no',
      'manual',
      'file',
      'block',
      'qcow2',
      '1e3',
      '__proto__',
      `${vars.root}/o.ovl`,
      `${vars.escape}/o`,
      `${vars.inner}/o`,
      `${vars.outside}/o`,
      '/dev/sda',
      '/proc/self/mem',
      `${vars.root}/../x`,
      'rel/x',
      '&amp;',
      '&#0;',
      '&x;',
      '<',
    ),
    fc.string({ maxLength: 12 }),
  );
  const escapeAttr = (v: string) => v.replace(/'/g, '&apos;');
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      values.map((v) => v.replace(/</g, '&lt;')),
      fc
        .tuple(names, fc.array(fc.tuple(attributeNames, values), { maxLength: 3 }), fc.array(tie('tree') as fc.Arbitrary<string>, { maxLength: 4 }))
        .map(([name, attributes, children]) => `<${name}${attributes.map(([k, v]) => ` ${k}='${escapeAttr(v)}'`).join('')}>${children.join('')}</${name}>`),
    ),
  }));
  const document = fc.array(tree as fc.Arbitrary<string>, { maxLength: 6 }).map((children) => `<domainsnapshot>${children.join('')}</domainsnapshot>`);
  const broken = fc.tuple(document, fc.nat(), fc.constantFrom('<', '>', '&', "'", '"', '</a>', '<!DOCTYPE x>', '\u0000', ']]>')).map(([xml, at, junk]) => {
    const i = at % (xml.length + 1);
    return xml.slice(0, i) + junk + xml.slice(i);
  });
  return fc.oneof({ weight: 3, arbitrary: document }, { weight: 1, arbitrary: broken });
}

/** Connection URIs: schemes, hosts, %-escapes (valid, truncated, overlong, encoded separators), traversal, NUL, queries. */
function connectionUri(nodeDir: string): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.constantFrom('etc', 'passwd', '..', '.', '', 'default', 'proc', 'self', 'root', 'dev', 'zero', 'node.xml', 'tmp', nodeDir.slice(1)),
    fc.constantFrom('%2F', '%2E%2E', '%00', '%0A', '%ZZ', '%', '%2', '%E0%A4', '%C0%AF', '%ED%A0%80', '%FF', '%25', '%20'),
    fc.string({ maxLength: 8 }),
  );
  const path = fc.array(piece, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`);
  const scheme = fc.constantFrom('test', 'TEST', 'qemu', 'tEsT', 'nope', '', 'test+unix');
  const host = fc.constantFrom('', '', '', 'localhost', 'evil.example', '127.0.0.1');
  const query = fc.constantFrom('', '?atomic=none', '?atomic=__proto__', '?atomic=constructor', '#frag', '?a=%ZZ');
  return fc.tuple(scheme, host, path, query).map(([s, h, p, q]) => `${s}://${h}${p}${q}`);
}

describe('fuzzing', () => {
  let server: TestDaemon;
  let storage: HostileStorage;
  beforeAll(async () => {
    storage = prepareHostileStorage();
    server = await startTestDaemon({
      storageRoots: [storage.root],
      nodeFileRoots: [storage.nodeDir],
      limits: { maxCallsPerSecond: 1_000_000, callBurst: 1_000_000 },
    });
  });
  afterAll(async () => {
    await server.close();
    storage.remove();
  });

  it(`answers ${RUNS} generated and mutated frames without an internal error or a dropped connection`, async () => {
    const client = await openRaw(unixUrl(server.socket));
    resultOf(await client.call('ConnectOpen', { uri: `test://${storage.nodeFile}` }));
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        checkReplies(frame, await exchange(client, frame));
      }),
      { numRuns: RUNS },
    );
    client.close();
  }, 120_000);

  it(`answers ${RUNS} generated connection URIs with libvirt's errors, never an internal error, and the same refusal wherever it points outside`, async () => {
    const client = await openRaw(unixUrl(server.readOnlySocket));
    await fc.assert(
      fc.asyncProperty(connectionUri(storage.nodeDir), async (uri) => {
        const frame = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ConnectOpen', params: { uri } });
        const replies = await exchange(client, frame);
        checkReplies(frame, replies);
        const reply = replies[0]?.kind === 'message' ? (replies[0].json as { result?: unknown; error?: { code: number; message: string } }) : undefined;
        if (reply?.result) {
          resultOf(await client.call('ConnectClose', {}));
          return;
        }
        // A node-file path outside the node directories is refused by its text alone, whether or not it exists.
        const refused = reply?.error?.code === 88 ? /^access denied: path '(.*)' ([^']*)$/s.exec(reply.error.message) : null;
        if (refused && !refused[1]!.startsWith(`${storage.nodeDir}/`)) {
          expect(refused[2]).toMatch(
            /^(is not in a directory this daemon serves test configurations from|is not absolute|contains a control character|is not normalized .*|is on a special filesystem .*|is longer than 4096 characters)$/,
          );
        }
      }),
      { numRuns: RUNS },
    );
    client.close();
  }, 120_000);

  it(`answers ${RUNS} generated snapshot documents without an internal error, and creates no file`, async () => {
    const listing = storage.listing();
    let client = await openRaw(unixUrl(server.socket));
    let calls = 0;
    const fresh = async () => {
      client.close();
      client = await openRaw(unixUrl(server.socket));
      resultOf(await client.call('ConnectOpen', { uri: `test://${storage.nodeFile}` }));
    };
    await fresh();
    const flags = fc.oneof(fc.constantFrom(0, 16, 16 | 128, 16 | 32, 1, 4, 512), fc.nat({ max: 1023 }));
    await fc.assert(
      fc.asyncProperty(snapshotXml(storage.vars), flags, fc.constantFrom('vm', 'off'), async (xml, flag, domainName) => {
        if (++calls % 50 === 0) await fresh();
        const domain = resultOf(await client.call('DomainLookupByName', { name: domainName }));
        const frame = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'DomainSnapshotCreateXML', params: { domain, xml, flags: flag } });
        checkReplies(frame, await exchange(client, frame));
      }),
      { numRuns: RUNS },
    );
    client.close();
    expect(storage.listing()).toEqual(listing);
  }, 120_000);
});
