// The harness of the libvirt-input tests: a real virtwired's test:///default, a domain shape, and what libvirt 9.0's test driver formats back.
import { connect, type Connection } from '@virtwire/client';
import { afterAll, beforeAll } from 'vitest';
import { startTestDaemon, type TestDaemon } from './virtwired.js';

/** The uuid every test domain has, so that the formatted text is known in full. */
export const UUID = '3e978e16-2dc8-45ed-b8b7-3574083dc879';

/** A test-driver domain with these devices (and `extra` top-level elements after `<os>`). */
export const domainXml = (name: string, devices: string, extra = '') =>
  `<domain type='test'><name>${name}</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type></os>${extra}<devices>${devices}</devices></domain>`;

/** The `<domain>` libvirt 9.0's test driver formats back for {@link domainXml}, with `devices` as its device lines. */
export const formatted = (name: string, devices: string[]) =>
  [
    "<domain type='test'>",
    `  <name>${name}</name>`,
    `  <uuid>${UUID}</uuid>`,
    "  <memory unit='KiB'>1024</memory>",
    "  <currentMemory unit='KiB'>1024</currentMemory>",
    "  <vcpu placement='static'>1</vcpu>",
    '  <os>',
    "    <type arch='i686'>hvm</type>",
    "    <boot dev='hd'/>",
    '  </os>',
    "  <clock offset='utc'/>",
    '  <on_poweroff>destroy</on_poweroff>',
    '  <on_reboot>restart</on_reboot>',
    '  <on_crash>destroy</on_crash>',
    '  <devices>',
    ...devices.map((line) => `    ${line}`),
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');

/** A test file's daemon and connection to test:///default (started before its tests, stopped after). */
export interface TestDriverSession {
  readonly conn: Connection;
  /** Defines `xml`, returns its dumpxml (flags 0), and undefines it again. */
  defineAndDump(xml: string): Promise<string>;
}

/** Starts a real virtwired for the calling test file and connects to its test:///default. */
export function testDriverSession(): TestDriverSession {
  let server: TestDaemon | undefined;
  let connection: Connection | undefined;
  beforeAll(async () => {
    server = await startTestDaemon();
    connection = await connect(server.uri());
  });
  afterAll(async () => {
    await connection?.close();
    await server?.close();
  });
  const session: TestDriverSession = {
    get conn() {
      if (!connection) throw new Error('the test driver session has not started');
      return connection;
    },
    async defineAndDump(xml) {
      const domain = await session.conn.domainDefineXML(xml);
      try {
        return await domain.getXMLDesc(0);
      } finally {
        await domain.undefine();
      }
    },
  };
  return session;
}
