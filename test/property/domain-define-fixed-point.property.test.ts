// fast-check over test-driver definitions with random elements: every answer is a libvirt error or a definition whose dump, defined again, settles at once.
import fc from 'fast-check';
import { randomDomainXml } from '../conformance/fuzz/random-domain-xml.js';
import { connect, VirError, type Connection } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

/** Runs of the property (200 by default, 0 skips it); `DEFINE_FUZZ_RUNS=5000 npx vitest run test/property/domain-define-fixed-point.property.test.ts`. */
const RUNS = Number(process.env.DEFINE_FUZZ_RUNS ?? 200);

describe.skipIf(RUNS === 0)('test driver: random definitions', () => {
  let daemon: TestDaemon;
  let conn: Connection;
  let counter = 0;
  let accepted = 0;
  const refused = new Map<string, number>();
  beforeAll(async () => {
    daemon = await startTestDaemon();
    conn = await connect(daemon.uri());
  });
  afterAll(async () => {
    await conn?.close();
    await daemon?.close();
  });

  it(`answers ${RUNS} random definitions with a libvirt error or a definition whose redefined dump stays as it is`, async () => {
    await fc.assert(
      fc.asyncProperty(randomDomainXml('fz'), async (generated) => {
        const name = `fz${++counter}`;
        const xml = generated.replace('<name>fz</name>', `<name>${name}</name>`);
        let dom;
        try {
          dom = await conn.domainDefineXML(xml);
        } catch (error) {
          if (!VirError.is(error) || error.code <= 0) throw new Error(`not a libvirt error for ${xml}: ${String(error)}`, { cause: error });
          const key = error.message.replace(/'[^']*'/g, "'…'").slice(0, 80);
          refused.set(key, (refused.get(key) ?? 0) + 1);
          return;
        }
        try {
          // libvirt 9.0 itself is not always a fixed point after one define: controllers whose index
          // it assigned are sorted in only when the dump is parsed again (`<controller type='scsi'
          // index='1'/><controller type='scsi'/>`, recorded with python3-libvirt); after that second
          // define its dump stays as it is
          for (const flags of [0, 2]) {
            const dump = async () => (await conn.domainLookupByName(name)).getXMLDesc(flags);
            await conn.domainDefineXML(await dom.getXMLDesc(flags));
            const second = await dump();
            await conn.domainDefineXML(second);
            expect(await dump(), `flags ${flags}: ${xml}`).toBe(second);
          }
          accepted++;
        } finally {
          await dom.undefine();
        }
      }),
      { numRuns: RUNS },
    );
    const common = [...refused].sort((a, b) => b[1] - a[1]).slice(0, 6);
    console.log(`define fixed point: ${accepted} of ${RUNS} accepted and stable; most refused: ${common.map(([m, n]) => `${n}x ${m}`).join(' | ')}`);
    // a fuzz whose every input is refused tests nothing
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });
});
