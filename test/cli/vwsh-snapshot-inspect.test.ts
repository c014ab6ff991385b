// vwsh snapshot-info, -dumpxml, -parent and -current (show and set) against a real virtwired, as virsh prints them.
import { connect } from '@virtwire/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { vwsh } from './helpers/vwsh-transcript.js';

let server: TestDaemon;
beforeEach(async () => {
  server = await startTestDaemon();
  await server.keepDefaultHost();
});
afterEach(async () => {
  await server.close();
});
const run = (chain: string) => vwsh(['-c', server.uri(), chain]);

/** The daemon's own XML for a snapshot, read through the SDK. */
async function snapshotXml(name: string, flags = 0): Promise<string> {
  const conn = await connect(server.uri());
  try {
    return await (await (await conn.domainLookupByName('test')).snapshotLookupByName(name)).getXMLDesc(flags);
  } finally {
    await conn.close();
  }
}

describe('snapshot inspection', () => {
  it('snapshot-info prints virsh labels padded to 15 columns, by name or --current', async () => {
    const t = await run(
      'snapshot-create-as test s1; snapshot-create-as test s2; snapshot-info test s1; snapshot-info test --current; snapshot-info test; snapshot-info test s1 --current',
    );
    const info = (name: string, current: string, parent: string, children: number) =>
      `Name:           ${name}\nDomain:         test\nCurrent:        ${current}\nState:          running\nLocation:       internal\nParent:         ${parent}\nChildren:       ${children}\nDescendants:    ${children}\nMetadata:       yes\n\n`;
    expect(t.stdout).toBe(`Domain snapshot s1 created\nDomain snapshot s2 created\n${info('s1', 'no', '-', 1)}${info('s2', 'yes', 's1', 0)}\n\n`);
    expect(t.stderr).toBe('error: --snapshotname or --current is required\nerror: --snapshotname and --current are mutually exclusive\n');
    expect(t.code).toBe(1);
  });

  it("snapshot-dumpxml prints the daemon's XML as it is, secure with --security-info", async () => {
    const t = await run(
      'snapshot-create-as test s2 two; snapshot-dumpxml test s2; snapshot-dumpxml test s2 --security-info; snapshot-dumpxml test nosuch; snapshot-dumpxml nosuch s2',
    );
    const xml = await snapshotXml('s2');
    expect(xml).toContain('<description>two</description>');
    expect(t.stdout).toBe(`Domain snapshot s2 created\n${xml}\n${await snapshotXml('s2', 1)}\n\n\n`);
    expect(t.stderr).toBe("error: Domain snapshot not found: no domain snapshot with matching name 'nosuch'\nerror: failed to get domain 'nosuch'\n");
  });

  it('snapshot-parent prints the parent or says there is none', async () => {
    const t = await run(
      'snapshot-create-as test s1; snapshot-create-as test s2; snapshot-parent test s2; snapshot-parent test --current; snapshot-parent test s1; snapshot-parent test',
    );
    expect(t.stdout).toBe('Domain snapshot s1 created\nDomain snapshot s2 created\ns1\ns1\n\n\n');
    expect(t.stderr).toBe("error: snapshot 's1' has no parent\nerror: --snapshotname or --current is required\n");
  });

  it('snapshot-current shows the XML or the name, and sets the current snapshot by redefining it', async () => {
    const t = await run(
      'snapshot-current test; snapshot-create-as test s1; snapshot-create-as test s2; snapshot-current test --name; snapshot-current test s1; snapshot-current test --name; snapshot-current test --name s2; snapshot-current test nosuch; snapshot-current test',
    );
    const xml = await snapshotXml('s1');
    expect(t.stdout).toBe(`\nDomain snapshot s1 created\nDomain snapshot s2 created\ns2\nSnapshot s1 set as current\ns1\n\n\n${xml}\n`);
    expect(t.stderr).toBe(
      "error: domain 'test' has no current snapshot\n" +
        'error: Options --name and --snapshotname are mutually exclusive\n' +
        "error: Domain snapshot not found: no domain snapshot with matching name 'nosuch'\n",
    );
    expect(t.code).toBe(0);
  });

  it('snapshot-current sets a disk-only snapshot current with DISK_ONLY added, as virsh does', async () => {
    const t = await vwsh([
      '-c',
      server.nodeUri('two-disks.xml'),
      'snapshot-create-as vm2 d1 --disk-only --diskspec vda,file=/images/vm2-a.d1 --diskspec vdb,file=/images/vm2-b.d1; snapshot-create-as vm2 d2 --disk-only --diskspec vda,file=/images/vm2-a.d2 --diskspec vdb,file=/images/vm2-b.d2; snapshot-current vm2 d1; snapshot-info vm2 d1',
    ]);
    expect(t.stderr).toBe('');
    expect(t.stdout).toContain('Snapshot d1 set as current\nName:           d1\nDomain:         vm2\nCurrent:        yes\nState:          disk-snapshot\n');
  });
});
