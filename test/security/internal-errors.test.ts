// Internal failures reach the client as -32603 with a correlation id: no stack trace, no host path, no crash.
import { JsonRpcErrorCode, type DriverCapabilities } from '@virtwire/protocol';
import { startDaemon, type Daemon, type DriverConnection, type DriverMethods, type HypervisorDriver } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCapabilities } from '@virtwire/server/testing';
import { captureLog } from './support/log-capture.js';
import { errorOf, openRaw, resultOf, unixUrl } from '../helpers/raw-client.js';

const SECRET_PATH = '/var/lib/virtwire/secret/domain-keys.xml';

/** A driver whose handlers fail the ways real code fails: exceptions with host paths, non-Error throws, unserialisable results. */
class FaultyDriver implements HypervisorDriver {
  readonly scheme = 'faulty';
  async open(): Promise<DriverConnection> {
    const methods: DriverMethods = {
      ConnectGetVersion: {
        flags: 0,
        handle: () => {
          throw Object.assign(new Error(`ENOENT: no such file or directory, open '${SECRET_PATH}'`), { code: 'ENOENT', path: SECRET_PATH });
        },
      },
      ConnectGetCapabilities: { flags: 0, handle: () => Promise.reject(`raw string rejection mentioning ${SECRET_PATH}`) },
      ConnectListAllDomains: { flags: 0, handle: () => [{ name: 'x', uuid: '00000000-0000-0000-0000-000000000000', id: BigInt(1) as unknown as number }] },
    };
    const capabilities: DriverCapabilities = testCapabilities('group', methods);
    return {
      uri: 'faulty:///',
      capabilities,
      close: async () => undefined,
      methods,
    };
  }
  async shutdown(): Promise<void> {}
}

describe('internal errors', () => {
  const log = captureLog();
  let daemon: Daemon;
  let dir: string;
  let socket: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-faulty-'));
    socket = join(dir, 'sock');
    const listeners = [{ kind: 'unix' as const, path: socket, readOnly: false }];
    daemon = await startDaemon({ listeners, stateDir: join(dir, 'state'), logLevel: 'info', logStream: log.stream }, [new FaultyDriver()]);
  });
  afterAll(async () => {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const method of ['ConnectGetVersion', 'ConnectGetCapabilities', 'ConnectListAllDomains'] as const) {
    it(`${method}: -32603 "Internal error" with a correlation id that is in the log, and nothing else`, async () => {
      const client = await openRaw(unixUrl(socket));
      resultOf(await client.call('ConnectOpen', { uri: 'faulty:///' }));
      const event = await client.call(method, {});
      const error = errorOf(event);
      expect(error.code).toBe(JsonRpcErrorCode.InternalError);
      expect(error.message).toBe('Internal error');
      const correlationId = error.data?.correlationId as string;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.kind === 'message' && event.text).not.toMatch(/secret|ENOENT|\bat \S+ \(|node:internal|\/work\//);
      const logged = log.lines().find((l) => l.correlationId === correlationId);
      expect(logged, 'the log line with the correlation id').toBeDefined();
      expect(resultOf(await client.call('ConnectGetURI', {}))).toBe('faulty:///');
      client.close();
    });
  }
});
