// A stream belongs to the call connection that asked for it: it ends with it, even when the connection closes while its device opens.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { StreamTickets } from '../../src/streams/stream-tickets.js';

const servers: WebSocketServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A real WebSocket pair on loopback: the daemon's end and the client's. */
async function socketPair(): Promise<{ daemonEnd: WebSocket; clientEnd: WebSocket }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const clientEnd = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [daemonEnd] = await accepted;
  await once(clientEnd, 'open');
  return { daemonEnd, clientEnd };
}

describe('StreamTickets', () => {
  it('ends a stream whose connection closed while its device was opening, and closes the device', async () => {
    const open = new Set(['conn-1']);
    const tickets = new StreamTickets((id) => (open.has(id) ? 'principal' : undefined), pino({ level: 'silent' }));
    let deviceReady!: (device: PassThrough) => void;
    const device = new PassThrough();
    const ticket = tickets.issue('conn-1', () => new Promise((resolve) => (deviceReady = resolve)));
    const { daemonEnd, clientEnd } = await socketPair();
    const closed = once(clientEnd, 'close') as Promise<[number, Buffer]>;
    const attached = tickets.attach(ticket, 'principal', daemonEnd);
    // the call connection goes away while the device (a console's pty, after a take-over) still opens
    open.delete('conn-1');
    tickets.connectionClosed('conn-1');
    deviceReady(device);
    await attached;
    const [code] = await closed;
    expect(code).toBe(1000);
    expect(device.destroyed).toBe(true);
  });

  it('pipes bytes once the device is open, and ends the stream with its connection', async () => {
    const tickets = new StreamTickets(() => 'principal', pino({ level: 'silent' }));
    const device = new PassThrough();
    const ticket = tickets.issue('conn-2', async () => device);
    const { daemonEnd, clientEnd } = await socketPair();
    await tickets.attach(ticket, 'principal', daemonEnd);
    const received = once(clientEnd, 'message') as Promise<[Buffer]>;
    device.write('login: ');
    expect(String((await received)[0])).toBe('login: ');
    const closed = once(clientEnd, 'close') as Promise<[number, Buffer]>;
    tickets.connectionClosed('conn-2');
    expect((await closed)[0]).toBe(1000);
  });
});
