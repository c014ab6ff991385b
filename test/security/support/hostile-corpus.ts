// Loads the hostile corpora (test/fixtures/hostile/*.jsonl) and runs one case against a live daemon, checking its documented outcome.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import { openRaw, unixUrl, type RawClient, type RawEvent } from '../../helpers/raw-client.js';

/** A frame, written literally or with repeated runs (`{"repeat": "[", "times": 100000}`) to keep huge cases small on disk. */
export type Frame = string | Array<string | { repeat: string; times: number }>;

/** What a JSON-RPC case must produce. */
export type JsonRpcExpectation =
  | { error: number; message?: string; id?: string | number | null }
  | { result: true; id?: string | number | null }
  | { batch: Array<number | 'result'> | { count: number; error: number } }
  | { close: number }
  | { none: true };

/** One JSON-RPC case: how to connect, what to send, what must come back. */
export interface JsonRpcCase {
  id: string;
  note?: string;
  /** `token` (TCP, read-write token; default), `ro-token` (TCP, read-only token) or `ro-socket`. */
  via?: 'token' | 'ro-token' | 'ro-socket';
  /** ConnectOpen this URI first. */
  open?: string;
  /** A text frame. */
  frame?: Frame;
  /** Bytes (base64) sent as one text frame: invalid UTF-8. */
  utf8Base64?: string;
  /** A binary frame. */
  binary?: Frame;
  /** Bytes (base64) written straight to the socket after the upgrade: hand-made WebSocket frames. */
  wire?: string;
  /** Send the text frame in this many fragments. */
  fragments?: number;
  expect: JsonRpcExpectation;
}

/** What an XML case must produce. */
export type XmlExpectation = { code: number; domain?: number; message?: string } | { created: string } | { defined: string };

/** One XML case: a document given to a method on a fresh test-driver host. */
export interface XmlCase {
  id: string;
  note?: string;
  method?: 'DomainSnapshotCreateXML' | 'DomainDefineXML';
  /** The domain the snapshot is for (default `vm`, running; `off` is shut off). */
  domain?: string;
  flags?: number;
  xml: Frame;
  expect: XmlExpectation;
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/hostile/', import.meta.url));

function loadLines<T extends { id: string }>(file: string): T[] {
  const cases = readFileSync(FIXTURES + file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new Error(`${file}:${index + 1}: not JSON`);
      }
    });
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`${file}: duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  return cases;
}

export const loadJsonRpcCases = () => loadLines<JsonRpcCase>('jsonrpc.jsonl');
export const loadXmlCases = () => loadLines<XmlCase>('xml.jsonl');

const expanded = new WeakMap<object, Map<object, string>>();
const NO_VARS = {};

/** The text of a frame, runs expanded and `{{name}}` placeholders replaced (memoised: cases run many times). */
export function expandFrame(frame: Frame, vars: Readonly<Record<string, string>> = NO_VARS): string {
  if (typeof frame === 'string') return frame.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => vars[name] ?? whole);
  const byVars = expanded.get(frame) ?? new Map<object, string>();
  expanded.set(frame, byVars);
  let text = byVars.get(vars);
  if (text === undefined) {
    text = expandFrame(frame.map((p) => (typeof p === 'string' ? p : p.repeat.repeat(p.times))).join(''), vars);
    byVars.set(vars, text);
  }
  return text;
}

/** Where the daemon under test listens, and the credentials the cases use. */
export interface HostileTarget {
  tcpUrl: string;
  token: string;
  readOnlyToken: string;
  readOnlySocket: string;
}

const PROBE_ID = '__probe__';

async function openFor(target: HostileTarget, via: JsonRpcCase['via']): Promise<RawClient> {
  if (via === 'ro-socket') return openRaw(unixUrl(target.readOnlySocket));
  const token = via === 'ro-token' ? target.readOnlyToken : target.token;
  return openRaw(target.tcpUrl, { headers: { authorization: `Bearer ${token}` } });
}

function describe(event: RawEvent | undefined): string {
  return JSON.stringify(event).slice(0, 300);
}

function fragmentsOf(text: string, count: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const size = Math.max(1, Math.ceil(bytes.length / count));
  const pieces: Buffer[] = [];
  for (let i = 0; i < count; i++) pieces.push(bytes.subarray(Math.min(i * size, bytes.length), Math.min((i + 1) * size, bytes.length)));
  return pieces;
}

/** Sends the case's input on an open connection. */
function sendInput(client: RawClient, c: JsonRpcCase): void {
  if (c.wire !== undefined) {
    (client.ws as unknown as { _socket: Socket })._socket.write(Buffer.from(c.wire, 'base64'));
  } else if (c.binary !== undefined) {
    client.ws.send(Buffer.from(expandFrame(c.binary)), { binary: true });
  } else if (c.utf8Base64 !== undefined) {
    client.ws.send(Buffer.from(c.utf8Base64, 'base64'), { binary: false });
  } else if (c.fragments !== undefined) {
    const pieces = fragmentsOf(expandFrame(c.frame ?? ''), c.fragments);
    pieces.forEach((piece, i) => client.ws.send(piece, { binary: false, fin: i === pieces.length - 1 }));
  } else {
    client.sendText(expandFrame(c.frame ?? ''));
  }
}

function checkReply(c: JsonRpcCase, message: RawEvent): void {
  const expect = c.expect;
  const json = message.kind === 'message' ? (message.json as Record<string, unknown> | unknown[] | undefined) : undefined;
  const fail = (why: string) => new Error(`${c.id}: ${why}; got ${describe(message)}`);
  if ('batch' in expect) {
    if (!Array.isArray(json)) throw fail('expected a batch reply');
    const wanted = Array.isArray(expect.batch) ? expect.batch : Array<number>(expect.batch.count).fill(expect.batch.error);
    const got = json.map((r) => ((r as { error?: { code: number } }).error ? (r as { error: { code: number } }).error.code : 'result'));
    if (JSON.stringify(got) !== JSON.stringify(wanted)) throw fail(`expected batch ${JSON.stringify(wanted)}`);
    return;
  }
  if (!json || Array.isArray(json)) throw fail('expected a single reply object');
  if ('error' in expect) {
    const error = json.error as { code: number; message: string } | undefined;
    if (!error || error.code !== expect.error) throw fail(`expected error ${expect.error}`);
    if (expect.message !== undefined && error.message !== expect.message) throw fail(`expected message ${JSON.stringify(expect.message)}`);
  } else if ('result' in expect) {
    if (!('result' in json)) throw fail('expected a result');
  }
  if ('id' in expect && json.id !== expect.id) throw fail(`expected id ${JSON.stringify(expect.id)}`);
}

/**
 * Runs one JSON-RPC case on a fresh connection. A probe call follows the case; every other message
 * up to the probe's reply (and, for a case that expects a reply, until that reply) belongs to the
 * case and must be exactly what it documents: one reply, one batch, nothing for a notification,
 * or the close code.
 */
export async function runJsonRpcCase(target: HostileTarget, c: JsonRpcCase): Promise<void> {
  const client = await openFor(target, c.via);
  try {
    if (c.open !== undefined) {
      const opened = await client.call('ConnectOpen', { uri: c.open }, '__open__');
      if (opened.kind !== 'message' || !(opened.json as { result?: unknown }).result) throw new Error(`${c.id}: ConnectOpen failed: ${describe(opened)}`);
    }
    sendInput(client, c);
    if ('close' in c.expect) {
      const event = await client.next();
      if (event.kind !== 'close' || event.code !== c.expect.close) throw new Error(`${c.id}: expected close ${c.expect.close}; got ${describe(event)}`);
      return;
    }
    client.sendText(JSON.stringify({ jsonrpc: '2.0', id: PROBE_ID, method: 'ConnectGetHostname' }));
    const expected = 'none' in c.expect ? 0 : 1;
    const replies: RawEvent[] = [];
    let probed = false;
    while (!probed || replies.length < expected) {
      const event = await client.next();
      if (event.kind === 'close') throw new Error(`${c.id}: connection closed (${event.code}) instead of answering`);
      if ((event.json as { id?: unknown } | undefined)?.id === PROBE_ID) probed = true;
      else replies.push(event);
    }
    if ('none' in c.expect) {
      if (replies.length !== 0) throw new Error(`${c.id}: expected no reply; got ${describe(replies[0])}`);
      return;
    }
    if (replies.length !== 1) throw new Error(`${c.id}: expected exactly one reply; got ${replies.length}: ${replies.map(describe).join(' | ')}`);
    checkReply(c, replies[0]!);
  } finally {
    client.ws.terminate();
  }
}

/** The storage a hostile XML run works in: a root with traps (symlinks out and in), and a node file over it. */
export interface XmlTarget extends HostileTarget {
  /** `test://<node file>`. */
  nodeUri: string;
  vars: Readonly<Record<string, string>>;
}

/** Runs one XML case on a fresh connection to a fresh test-driver host. */
export async function runXmlCase(target: XmlTarget, c: XmlCase): Promise<void> {
  const client = await openRaw(target.tcpUrl, { headers: { authorization: `Bearer ${target.token}` } });
  const fail = (why: string, event?: RawEvent) => new Error(`${c.id}: ${why}${event ? `; got ${describe(event)}` : ''}`);
  const result = (event: RawEvent) =>
    event.kind === 'message' ? (event.json as { result?: unknown; error?: { code: number; message: string; data?: { domain?: number } } }) : undefined;
  try {
    const opened = await client.call('ConnectOpen', { uri: target.nodeUri });
    if (!result(opened)?.result) throw fail('ConnectOpen failed', opened);
    const xml = expandFrame(c.xml, target.vars);
    const method = c.method ?? 'DomainSnapshotCreateXML';
    let params: Record<string, unknown> = { xml, flags: c.flags ?? 0 };
    if (method === 'DomainSnapshotCreateXML') {
      const looked = await client.call('DomainLookupByName', { name: c.domain ?? 'vm' });
      const domain = result(looked)?.result;
      if (!domain) throw fail('domain lookup failed', looked);
      params = { domain, ...params };
    }
    const reply = await client.call(method, params);
    const answer = result(reply);
    if (!answer) throw fail('no reply', reply);
    const expect = c.expect;
    if ('code' in expect) {
      if (!answer.error) throw fail(`expected error ${expect.code}`, reply);
      const message = expect.message === undefined ? undefined : expandFrame(expect.message, target.vars);
      if (answer.error.code !== expect.code) throw fail(`expected error ${expect.code}`, reply);
      if (expect.domain !== undefined && answer.error.data?.domain !== expect.domain) throw fail(`expected domain ${expect.domain}`, reply);
      if (message !== undefined && answer.error.message !== message) throw fail(`expected message ${JSON.stringify(message)}`, reply);
      return;
    }
    const ref = answer.result as { name?: unknown; domain?: unknown } | undefined;
    if (!ref) throw fail('expected success', reply);
    const name = 'created' in expect ? expect.created : expect.defined;
    if (ref.name !== name) throw fail(`expected the name to stay the string ${JSON.stringify(name)}`, reply);
    const check =
      'created' in expect ? await client.call('DomainSnapshotLookupByName', { domain: ref.domain, name }) : await client.call('DomainLookupByName', { name });
    if ((result(check)?.result as { name?: unknown } | undefined)?.name !== name) throw fail('lookup by the same name failed', check);
  } finally {
    client.ws.terminate();
  }
}
