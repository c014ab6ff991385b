// test:///default is made fresh when its first connection opens after the last one closed: what a host changed never reaches the next one.
import { connect, DomainSnapshotCreateFlags as Create } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => server.close());

describe('test:///default after its last connection closed', () => {
  it("is the built-in host again, though the previous host switched the domain's disk to an overlay", async () => {
    let original = '';
    for (let round = 0; round < 3; round++) {
      const conn = await connect(server.uri());
      const dom = await conn.domainLookupByName('test');
      const xml = await dom.getXMLDesc();
      if (round === 0) original = xml;
      expect(xml, `round ${round}`).toBe(original);
      expect(await dom.listAllSnapshots(), `round ${round}`).toEqual([]);
      // A disk-only snapshot of the running domain moves its disk to an overlay, in this host's definition.
      await dom.snapshotCreateXML(`<domainsnapshot><name>s${round}</name></domainsnapshot>`, Create.DiskOnly);
      const changed = await dom.getXMLDesc();
      expect(changed).not.toBe(original);
      expect(changed).toContain(`diskimage1.s${round}`);
      await conn.close();
    }
  });
});
