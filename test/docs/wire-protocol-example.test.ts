// docs/wire-protocol.md's example session, replayed against a real daemon: every reply it shows is what the daemon sends.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';

const DOC = fileURLToPath(new URL('../../docs/wire-protocol.md', import.meta.url));

/** The `->`/`<-` lines of the example session's code block. */
function exampleLines(): Array<{ direction: '->' | '<-'; text: string }> {
  const markdown = readFileSync(DOC, 'utf8');
  const section = markdown.slice(markdown.indexOf('## An example session'));
  const block = /```text\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .trim()
    .split('\n')
    .map((line) => ({ direction: line.slice(0, 2) as '->' | '<-', text: line.slice(3) }));
}

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => server.close());

it('replays the example session: each shown reply is (a part of) what the daemon answers', async () => {
  const lines = exampleLines();
  expect(lines.length).toBeGreaterThan(10);
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
  try {
    for (const { direction, text } of lines) {
      if (direction === '->') {
        ws.send(text);
        continue;
      }
      const reply = await next();
      if (text.startsWith('{') || text.startsWith('[')) expect(JSON.parse(reply), text).toMatchObject(JSON.parse(text) as object);
      else expect(reply).toBe(text);
    }
  } finally {
    ws.close();
  }
});
