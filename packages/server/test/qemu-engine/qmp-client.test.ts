// QmpClient against a scripted fake QMP server: framing, interleaving, ids, timeouts, caps, close.
import net from 'node:net';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient, QmpClosedError, QmpConnectError, QmpError, QmpProtocolError, QmpTimeoutError } from '../../src/drivers/qemu/engine/index.js';
import { LineSplitter, LineTooLongError } from '../../src/drivers/qemu/engine/line-splitter.js';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "test"}, "capabilities": ["oob"]}}\r\n';

type Handler = (command: { execute: string; id?: unknown; arguments?: Record<string, unknown> }, socket: net.Socket) => void;

/** A fake QEMU monitor: sends the greeting, answers qmp_capabilities, passes other commands to `handler`. */
async function fakeQmp(handler: Handler, options: { greet?: boolean } = {}): Promise<{ socketPath: string; server: net.Server; sockets: net.Socket[] }> {
  const dir = await tempDir();
  const socketPath = path.join(dir, 'qmp.sock');
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    if (options.greet !== false) socket.write(GREETING);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const command = JSON.parse(buffer.slice(0, newline)) as Parameters<Handler>[0];
        buffer = buffer.slice(newline + 1);
        if (command.execute === 'qmp_capabilities') socket.write(`{"return": {}, "id": ${JSON.stringify(command.id)}}\r\n`);
        else handler(command, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  servers.push(server);
  return { socketPath, server, sockets };
}

const servers: net.Server[] = [];
const clients: QmpClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(dirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A directory for one test's sockets, removed after the test. */
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vw-qmp-'));
  dirs.push(dir);
  return dir;
}

async function connect(socketPath: string, options: Parameters<typeof QmpClient.connect>[1] = {}): Promise<QmpClient> {
  const client = await QmpClient.connect(socketPath, { connectTimeoutMs: 2_000, ...options });
  clients.push(client);
  return client;
}

describe('LineSplitter', () => {
  it('reassembles lines across chunks, including split UTF-8 characters, and strips \\r', () => {
    const splitter = new LineSplitter(1024);
    const bytes = Buffer.from('{"a":"é"}\r\n{"b":2}\n\n{"c"');
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...splitter.push(bytes.subarray(i, i + 3)));
    expect(out).toEqual(['{"a":"é"}', '{"b":2}']);
    expect(splitter.push(Buffer.from(':3}\n'))).toEqual(['{"c":3}']);
  });

  it('throws once a line exceeds the cap, even without a newline', () => {
    const splitter = new LineSplitter(10);
    splitter.push(Buffer.from('12345'));
    expect(() => splitter.push(Buffer.from('678901'))).toThrow(LineTooLongError);
  });
});

describe('QmpClient', () => {
  it('connects with retry before the socket exists, negotiates, and reads the version', async () => {
    const dir = await tempDir();
    const socketPath = path.join(dir, 'late.sock');
    const pending = QmpClient.connect(socketPath, { connectTimeoutMs: 2_000 });
    await new Promise((r) => setTimeout(r, 50));
    const server = net.createServer((socket) => {
      socket.write(GREETING);
      socket.on('data', (d) => {
        const id = (JSON.parse(d.toString()) as { id: string }).id;
        socket.write(`{"return": {}, "id": "${id}"}\n`);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const client = await pending;
    clients.push(client);
    expect(client.qemuVersion).toEqual({ major: 7, minor: 2, micro: 22 });
  });

  it('gives up after connectTimeoutMs when the socket never appears', async () => {
    const started = Date.now();
    await expect(QmpClient.connect('/tmp/vw-no-such-dir/qmp.sock', { connectTimeoutMs: 100 })).rejects.toBeInstanceOf(QmpConnectError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails when no greeting arrives (another client holds the monitor)', async () => {
    const { socketPath } = await fakeQmp(() => undefined, { greet: false });
    await expect(QmpClient.connect(socketPath, { connectTimeoutMs: 150 })).rejects.toThrow(/no QMP greeting/);
  });

  it('delivers events that arrive before the reply, in order, and matches replies by id across byte-sized chunks', async () => {
    const { socketPath } = await fakeQmp((command, socket) => {
      const text =
        `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "JOB_STATUS_CHANGE", "data": {"status": "created", "id": "j1"}}\r\n` +
        `{"return": {"echo": ${JSON.stringify(command.arguments ?? null)}}, "id": ${JSON.stringify(command.id)}}\r\n` +
        `{"timestamp": {"seconds": 1, "microseconds": 3}, "event": "JOB_STATUS_CHANGE", "data": {"status": "concluded", "id": "j1"}}\r\n`;
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += 7) socket.write(bytes.subarray(i, i + 7));
    });
    const client = await connect(socketPath);
    const seen: string[] = [];
    client.onEvent((e) => seen.push(String(e.data?.status)));
    const concluded = client.waitForEvent((e) => e.data?.status === 'concluded', 1_000);
    const [a, b] = await Promise.all([client.execute('x', { n: 1 }), client.execute('x', { n: 2 })]);
    expect(a).toEqual({ echo: { n: 1 } });
    expect(b).toEqual({ echo: { n: 2 } });
    await concluded.promise;
    expect(seen).toEqual(['created', 'concluded', 'created', 'concluded']);
    expect(client.recentEvents()).toHaveLength(4);
  });

  it('turns error replies into QmpError with class and desc', async () => {
    const { socketPath } = await fakeQmp((command, socket) => {
      socket.write(`{"id": ${JSON.stringify(command.id)}, "error": {"class": "GenericError", "desc": "Cannot find device='' nor node-name='nope'"}}\n`);
    });
    const client = await connect(socketPath);
    const error = await client.execute('blockdev-del', { 'node-name': 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpError);
    expect(error).toMatchObject({ class: 'GenericError', desc: "Cannot find device='' nor node-name='nope'", command: 'blockdev-del' });
  });

  it('times out one call, ignores its late reply, and keeps the connection usable', async () => {
    const { socketPath } = await fakeQmp((command, socket) => {
      const reply = `{"return": "${command.execute}", "id": ${JSON.stringify(command.id)}}\n`;
      if (command.execute === 'slow') setTimeout(() => socket.write(reply), 80);
      else socket.write(reply);
    });
    const client = await connect(socketPath);
    await expect(client.execute('slow', undefined, { timeoutMs: 20 })).rejects.toBeInstanceOf(QmpTimeoutError);
    await new Promise((r) => setTimeout(r, 100));
    await expect(client.execute('fast')).resolves.toBe('fast');
    expect(client.isClosed).toBe(false);
  });

  it('closes with a protocol error on an oversized message and rejects the pending call', async () => {
    const { socketPath } = await fakeQmp((command, socket) => {
      socket.write(`{"return": "${'x'.repeat(5_000)}", "id": ${JSON.stringify(command.id)}}\n`);
    });
    const client = await connect(socketPath, { maxLineBytes: 4_096 });
    await expect(client.execute('big')).rejects.toBeInstanceOf(QmpProtocolError);
    expect(await client.closed).toBeInstanceOf(QmpProtocolError);
  });

  it('closes with a protocol error on a reply with an unknown id', async () => {
    const { socketPath } = await fakeQmp((_command, socket) => socket.write('{"return": {}, "id": "not-ours"}\n'));
    const client = await connect(socketPath);
    await expect(client.execute('x')).rejects.toThrow(/unknown id/);
  });

  it('rejects pending calls and event waits when QEMU closes the socket', async () => {
    const { socketPath } = await fakeQmp((_command, socket) => socket.destroy());
    const client = await connect(socketPath);
    const wait = client.waitForEvent(() => false, 5_000);
    await expect(client.execute('quit')).rejects.toBeInstanceOf(QmpClosedError);
    await expect(wait.promise).rejects.toBeInstanceOf(QmpClosedError);
    await expect(client.execute('after')).rejects.toBeInstanceOf(QmpClosedError);
  });

  it('bounds listeners and the event history', async () => {
    const { socketPath } = await fakeQmp((command, socket) => {
      let text = '';
      for (let i = 0; i < 20; i++) text += `{"timestamp": {"seconds": 1, "microseconds": ${i}}, "event": "E${i}"}\n`;
      socket.write(`${text}{"return": {}, "id": ${JSON.stringify(command.id)}}\n`);
    });
    const client = await connect(socketPath, { eventHistory: 5, maxListeners: 2 });
    client.onEvent(() => undefined);
    client.onEvent(() => {
      throw new Error('listener bugs must not break the reader');
    });
    expect(() => client.onEvent(() => undefined)).toThrow(/listeners/);
    await client.execute('burst');
    expect(client.recentEvents().map((e) => e.event)).toEqual(['E15', 'E16', 'E17', 'E18', 'E19']);
  });
});
