// docs/wire-protocol.md's events example, replayed against a real daemon: what it shows is exactly what the daemon sends.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';

const DOC = fileURLToPath(new URL('../../docs/wire-protocol.md', import.meta.url));

/** The `->`/`<-` lines of the Events section's code block. */
function exampleLines(): Array<{ direction: '->' | '<-'; text: string }> {
  const markdown = readFileSync(DOC, 'utf8');
  const section = markdown.slice(markdown.indexOf('## Events'), markdown.indexOf('## An example session'));
  const block = /```text\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .trim()
    .split('\n')
    .map((line) => ({ direction: line.slice(0, 2) as '->' | '<-', text: line.slice(3) }));
}

/** `{...}` in a shown message stands for any JSON object there. */
function wildcard(text: string): RegExp {
  return new RegExp(
    `^${text
      .split('{...}')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\{.*\\}')}$`,
  );
}

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => server.close());

it('replays the events example: every message shown is what the daemon sends, in that order', async () => {
  const lines = exampleLines();
  expect(lines.filter((l) => l.direction === '<-' && l.text.includes('"method":"DomainEvent"')).length).toBeGreaterThanOrEqual(3);
  const ws = new WebSocket(server.wsAddress, ['virtwire.v1'], { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const received: string[] = [];
  const waiters: Array<(text: string) => void> = [];
  ws.on('message', (data) => {
    const text = (data as Buffer).toString();
    const waiter = waiters.shift();
    if (waiter) waiter(text);
    else received.push(text);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const next = () => (received.length > 0 ? Promise.resolve(received.shift()!) : new Promise<string>((resolve) => waiters.push(resolve)));
  for (const line of lines) {
    if (line.direction === '->') ws.send(line.text);
    else if (line.text.includes('{...}')) expect(await next()).toMatch(wildcard(line.text));
    else expect(await next()).toBe(line.text);
  }
  ws.close();
});
