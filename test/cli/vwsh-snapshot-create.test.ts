// vwsh snapshot-create and snapshot-create-as against a real virtwired, compared with what virsh 9.0 prints.
import { connect } from '@virtwire/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { utcTime, vwsh } from './helpers/vwsh-transcript.js';

let server: TestDaemon;
let dir: string;
beforeEach(async () => {
  server = await startTestDaemon();
  await server.keepDefaultHost();
  dir = mkdtempSync(join(tmpdir(), 'vwsh-create-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The creation times of a domain's snapshots, read through the SDK. */
async function creationTimes(uri: string, domainName: string): Promise<Map<string, number>> {
  const conn = await connect(uri);
  try {
    const domain = await conn.domainLookupByName(domainName);
    const times = new Map<string, number>();
    for (const snapshot of await domain.listAllSnapshots()) {
      times.set(snapshot.name, Number(/<creationTime>(\d+)</.exec(await snapshot.getXMLDesc())![1]));
    }
    return times;
  } finally {
    await conn.close();
  }
}

describe('snapshot-create-as', () => {
  it('prints the virsh session observed on libvirt 9.0: duplicate error, --halt, parent column', async () => {
    const uri = server.uri();
    const run = await vwsh([
      '-c',
      uri,
      'snapshot-create-as test s1; snapshot-create-as test s1; snapshot-create-as test s2 --halt; domstate test; snapshot-list test --parent',
    ]);
    const times = await creationTimes(uri, 'test');
    const [t1, t2] = [utcTime(times.get('s1')!), utcTime(times.get('s2')!)];
    expect(run.stderr).toBe('error: operation failed: domain moment s1 already exists\n');
    expect(run.stdout).toBe(
      'Domain snapshot s1 created\n' +
        '\n' +
        'Domain snapshot s2 created\n' +
        'shut off\n' +
        '\n' +
        ' Name   Creation Time               State     Parent\n' +
        '------------------------------------------------------\n' +
        ` s1     ${t1}   running   \n` +
        ` s2     ${t2}   running   s1\n` +
        '\n',
    );
    expect(run.code).toBe(0);
  });

  it('exits with the status of the last command of the chain', async () => {
    const failedLast = await vwsh(['-c', server.uri(), 'snapshot-create-as test s1; snapshot-info test s9']);
    expect(failedLast).toEqual({
      stdout: 'Domain snapshot s1 created\n\n',
      stderr: "error: Domain snapshot not found: no domain snapshot with matching name 's9'\n",
      code: 1,
    });
    const failedFirst = await vwsh(['-c', server.uri(), 'snapshot-info test s9; domstate test']);
    expect(failedFirst).toEqual({ stdout: '\nrunning\n\n', stderr: "error: Domain snapshot not found: no domain snapshot with matching name 's9'\n", code: 0 });
  });

  it('takes a single command from argv without splitting at ; and keeps quoted words whole', async () => {
    const run = await vwsh(['-c', server.uri(), 'snapshot-create-as', 'test', 'a b', 'desc;x']);
    expect(run).toEqual({ stdout: 'Domain snapshot a b created\n', stderr: '', code: 0 });
    const listed = await vwsh([
      '-c',
      server.uri(),
      `snapshot-create-as test 'q\\w'; snapshot-create-as test "x\\"y"; snapshot-create-as test a\\ c; snapshot-list test --name`,
    ]);
    expect(listed.stdout).toBe('Domain snapshot q\\w created\nDomain snapshot x"y created\nDomain snapshot a c created\na b\na c\nq\\w\nx"y\n\n');
  });

  it('prints --print-xml exactly as virsh builds it, escaping names and paths, and creates nothing', async () => {
    const run = await vwsh([
      '-c',
      server.uri(),
      `snapshot-create-as test --print-xml --name n1 --description "d,1<&>" --memspec file=/tmp/m,,x,snapshot=external --diskspec vda,snapshot=external,driver=qcow2,file=/tmp/a,,b --diskspec vdb,snapshot=no --diskspec vdc,stype=block,file=/dev/sdx --diskspec "vdd,file=/x'y"; snapshot-list test --name`,
    ]);
    expect(run.stdout).toBe(
      '<domainsnapshot>\n' +
        '  <name>n1</name>\n' +
        '  <description>d,1&lt;&amp;&gt;</description>\n' +
        "  <memory snapshot='external' file='/tmp/m,x'/>\n" +
        '  <disks>\n' +
        "    <disk name='vda' snapshot='external'>\n" +
        "      <driver type='qcow2'/>\n" +
        "      <source file='/tmp/a,b'/>\n" +
        '    </disk>\n' +
        "    <disk name='vdb' snapshot='no'/>\n" +
        "    <disk name='vdc' type='block'>\n" +
        "      <source dev='/dev/sdx'/>\n" +
        '    </disk>\n' +
        "    <disk name='vdd'>\n" +
        "      <source file='/x&apos;y'/>\n" +
        '    </disk>\n' +
        '  </disks>\n' +
        '</domainsnapshot>\n' +
        '\n' +
        '\n' +
        '\n',
    );
    expect(run.stderr).toBe('');
  });

  it('reports bad memspecs and diskspecs with virsh messages, and positional diskspecs after name and description', async () => {
    const run = await vwsh([
      '-c',
      server.uri(),
      'snapshot-create-as test --print-xml --memspec foo; snapshot-create-as test --print-xml --diskspec vda,bogus=1; snapshot-create-as test --print-xml --diskspec vda,stype=network; snapshot-create-as test --print-xml n d --memspec /m,snapshot=no vda; snapshot-create-as test --name=',
    ]);
    expect(run.stderr).toBe(
      'error: unable to parse memspec: foo\n' +
        'error: unable to parse diskspec: vda,bogus=1\n' +
        "error: Unknown storage type: 'network'\n" +
        'error: unable to parse diskspec: vda,stype=network\n' +
        "error: Failed to get option 'name': Option argument is empty\n",
    );
    expect(run.stdout).toBe(
      '\n\n\n' +
        "<domainsnapshot>\n  <name>n</name>\n  <description>d</description>\n  <memory snapshot='no' file='/m'/>\n  <disks>\n    <disk name='vda'/>\n  </disks>\n</domainsnapshot>\n\n\n" +
        '\n',
    );
    expect(run.code).toBe(1);
  });

  it('maps every switch onto its create flag: --current without --redefine is the API error, and --quiesce --live --validate --atomic pass', async () => {
    const run = await vwsh([
      '-c',
      server.uri(),
      'snapshot-create test --current; snapshot-create test --redefine; snapshot-create-as test q1 --quiesce; snapshot-create-as test q2 --live --validate --atomic',
    ]);
    expect(run.stderr).toBe(
      "error: Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'\n" +
        'error: XML error: a redefined snapshot must have a name\n',
    );
    expect(run.stdout).toBe('\n\nDomain snapshot q1 created\nDomain snapshot q2 created\n');
    expect(run.code).toBe(0);
  });

  it('unlike virsh, never retries a refused --halt without HALT and never destroys the domain', async () => {
    const file = join(dir, 'r9.xml');
    const created = await vwsh(['-c', server.uri(), 'snapshot-create-as test r9; snapshot-dumpxml test r9']);
    writeFileSync(file, created.stdout.slice('Domain snapshot r9 created\n'.length, -1));
    const run = await vwsh(['-c', server.uri(), `snapshot-create test ${file} --redefine --halt; domstate test`]);
    expect(run.stderr).toBe("error: Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_HALT' are mutually exclusive\n");
    expect(run.stdout).toBe('\nrunning\n\n');
  });

  it('creates from a file and reports unreadable files as virsh does', async () => {
    const file = join(dir, 'f1.xml');
    writeFileSync(file, '<domainsnapshot><name>f1</name><description>from file</description></domainsnapshot>');
    const run = await vwsh([
      '-c',
      server.uri(),
      `snapshot-create test ${file}; snapshot-create test ${join(dir, 'nonexist.xml')}; snapshot-create test ${dir}`,
    ]);
    expect(run.stdout).toBe(`Domain snapshot f1 created from '${file}'\n\n\n`);
    expect(run.stderr).toBe(
      `error: Failed to open file '${join(dir, 'nonexist.xml')}': No such file or directory\n` + `error: Failed to read file '${dir}': Is a directory\n`,
    );
  });

  it('makes a disk-only external snapshot of two disks with --diskspec, and reports an atomic failure with nothing changed', async () => {
    const uri = server.nodeUri('two-disks.xml');
    const run = await vwsh([
      '-c',
      uri,
      'snapshot-create-as vm2 bad --disk-only --atomic --diskspec vda,file=/images/vm2-a.bad --diskspec vdb,file=/ro/vm2-b.ovl; snapshot-list vm2 --name; snapshot-create-as vm2 good --disk-only --atomic --diskspec vda,file=/images/vm2-a.good --diskspec vdb,file=/images/vm2-b.good; snapshot-info vm2 good',
    ]);
    expect(run.stderr).toBe("error: unable to create overlay '/ro/vm2-b.ovl' for disk 'vdb': Read-only file system\n");
    expect(run.stdout).toBe(
      '\n' +
        '\n' +
        'Domain snapshot good created\n' +
        'Name:           good\n' +
        'Domain:         vm2\n' +
        'Current:        yes\n' +
        'State:          disk-snapshot\n' +
        'Location:       external\n' +
        'Parent:         -\n' +
        'Children:       0\n' +
        'Descendants:    0\n' +
        'Metadata:       yes\n' +
        '\n',
    );
  });

  it('refuses snapshots on a read-only connection with the API error, before sending anything', async () => {
    const run = await vwsh(['-r', '-c', server.uri(), 'snapshot-create-as test s1; snapshot-list test']);
    expect(run.stderr).toBe('error: operation forbidden: read only access prevents virDomainSnapshotCreateXML\n');
    expect(run.stdout).toBe('\n Name   Creation Time   State\n-------------------------------\n\n');
    expect(run.code).toBe(0);
  });

  it('is quiet with -q: no messages, headers or blank lines, results still printed', async () => {
    const run = await vwsh(['-q', '-c', server.uri(), 'snapshot-create-as test s1; snapshot-current test --name; snapshot-info test s9; domstate test']);
    expect(run).toEqual({ stdout: 's1running\n', stderr: "error: Domain snapshot not found: no domain snapshot with matching name 's9'\n", code: 0 });
  });
});
