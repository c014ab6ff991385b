// vwsh list, dominfo, domstate, dumpxml and the lifecycle commands against a real virtwired, as virsh 9.0 prints them.
import { connect, DomainXMLFlags } from '@virtwire/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { vwsh } from './helpers/vwsh-transcript.js';

let server: TestDaemon;
let dir: string;
beforeEach(async () => {
  server = await startTestDaemon();
  await server.keepDefaultHost();
  dir = mkdtempSync(join(tmpdir(), 'vwsh-domain-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
const run = (chain: string, ...global: string[]) => vwsh([...global, '-c', server.uri(), chain]);

/** A domain definition file with this name and UUID. */
function domainFile(name: string, uuid: string): string {
  const file = join(dir, `${name}.xml`);
  writeFileSync(
    file,
    `<domain type='test'>\n  <name>${name}</name>\n  <uuid>${uuid}</uuid>\n  <memory>1048576</memory>\n  <vcpu>1</vcpu>\n  <os><type>hvm</type></os>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='/guest/${name}.img'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>\n</domain>\n`,
  );
  return file;
}

const LONG = 'a-much-longer-domain-name';
const LONG_UUID = '11111111-2222-3333-4444-555555555555';
const TEST_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';

describe('domain commands', () => {
  it('list sizes its table to the names and lists running domains by id, then the others by name', async () => {
    const file = domainFile(LONG, LONG_UUID);
    const t = await run(
      `define ${file}; list; list --all; list --inactive; list --name --all; list --uuid --all; list --uuid --name --all; list --table --name`,
    );
    expect(t.stdout).toBe(
      `Domain '${LONG}' defined from ${file}\n\n` +
        ' Id   Name   State\n----------------------\n 1    test   running\n\n' +
        ` Id   Name                        State\n--------------------------------------------\n 1    test                        running\n -    ${LONG}   shut off\n\n` +
        ` Id   Name                        State\n--------------------------------------------\n -    ${LONG}   shut off\n\n` +
        `test\n${LONG}\n\n` +
        `${TEST_UUID}\n${LONG_UUID}\n\n` +
        `${TEST_UUID} test\n${LONG_UUID} ${LONG}\n\n` +
        '\n',
    );
    expect(t.stderr).toBe('error: Options --table and --name are mutually exclusive\n');
    expect(t.code).toBe(1);
  });

  it('list filters by state and ids, and sorts names ignoring case', async () => {
    const defs = ['Zeta', 'alpha', 'beta'].map((n, i) => `define ${domainFile(n, `00000000-0000-0000-0000-00000000000${i}`)}`).join('; ');
    const t = await run(
      `${defs}; start beta; list --all; list --all --id; list --all --id --name; list --state-shutoff --name; list --all --state-running --name`,
      '-q',
    );
    expect(t.stdout).toBe(
      ' 1   test    running\n 2   beta    running\n -   alpha   shut off\n -   Zeta    shut off\n' +
        '1\n2\n' +
        '1 test\n2 beta\n- alpha\n- Zeta\n' +
        'alpha\nZeta\n' +
        'test\nbeta\n',
    );
  });

  it('runs the lifecycle with virsh messages, naming the domain as it was given', async () => {
    const t = await run(
      `suspend 1; domstate test --reason; resume ${TEST_UUID}; domstate test --reason; destroy test; domstate test --reason; start test --paused; domstate 2 --reason; resume test; shutdown test; domstate test --reason; start test; start test`,
    );
    expect(t.stdout).toBe(
      "Domain '1' suspended\n\npaused (user)\n\n" +
        `Domain '${TEST_UUID}' resumed\n\nrunning (unpaused)\n\n` +
        "Domain 'test' destroyed\n\nshut off (destroyed)\n\n" +
        "Domain 'test' started\n\npaused (user)\n\n" +
        "Domain 'test' resumed\n\nDomain 'test' is being shutdown\n\nshut off (shutdown)\n\n" +
        "Domain 'test' started\n\n\n",
    );
    expect(t.stderr).toBe('error: Domain is already active\n');
  });

  it('prints "Failed to VERB domain" before the daemon error, and "failed to get domain" for unknown names', async () => {
    const t = await run('destroy test; destroy test; destroy nosuch; start 1; dominfo nosuch; shutdown test --mode bogus');
    expect(t.stdout).toBe("Domain 'test' destroyed\n\n\n\n\n\n\n");
    expect(t.stderr).toBe(
      "error: Failed to destroy domain 'test'\n" +
        'error: Requested operation is not valid: domain is not running\n' +
        "error: failed to get domain 'nosuch'\n" +
        "error: failed to get domain '1'\n" +
        "error: failed to get domain 'nosuch'\n" +
        "error: Unknown mode bogus value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'\n",
    );
  });

  it('define, undefine (refused with snapshots unless --snapshots-metadata) and file errors', async () => {
    const t = await run(
      `snapshot-create-as test x; destroy test; undefine test; undefine test --snapshots-metadata; list --all; define ${join(dir, 'nonexist.xml')}`,
    );
    expect(t.stdout).toBe(
      "Domain snapshot x created\nDomain 'test' destroyed\n\n\nDomain 'test' has been undefined\n\n Id   Name   State\n--------------------\n\n\n",
    );
    expect(t.stderr).toBe(
      "error: Failed to undefine domain 'test'\n" +
        'error: Requested operation is not valid: cannot delete inactive domain with 1 snapshots\n' +
        `error: Failed to open file '${join(dir, 'nonexist.xml')}': No such file or directory\n`,
    );
  });

  it("dominfo prints what virsh prints on libvirt's test driver: OS type, CPU time, autostart, managed save, security", async () => {
    const t = await run('dominfo test; destroy test; dominfo 6695eb01-f6a4-8304-79aa-97f2502e193f');
    const info = (id: string, state: string, label: string) =>
      `Id:             ${id}\nName:           test\nUUID:           ${TEST_UUID}\nOS Type:        linux\nState:          ${state}\nCPU(s):         2\nCPU time:       TIME\n` +
      `Max memory:     8388608 KiB\nUsed memory:    2097152 KiB\nPersistent:     yes\nAutostart:      disable\nManaged save:   no\nSecurity model: testSecurity\nSecurity DOI:   \n${label}\n`;
    const withoutTimes = t.stdout.replace(/^(CPU time: +)\d+\.\ds$/gm, '$1TIME');
    expect(withoutTimes).toBe(`${info('1', 'running', 'Security label: libvirt-test (enforcing)\n')}Domain 'test' destroyed\n\n${info('-', 'shut off', '')}`);
  });

  it("dumpxml prints the daemon's XML, the persistent one with --inactive", async () => {
    const conn = await connect(server.uri());
    const domain = await conn.domainLookupByName('test');
    const [live, inactive] = [await domain.getXMLDesc(0), await domain.getXMLDesc(DomainXMLFlags.Inactive)];
    await conn.close();
    expect(live).toContain("<domain type='test' id='1'>");
    const t = await run('dumpxml test; dumpxml test --inactive --security-info');
    expect(t.stdout).toBe(`${live}\n${inactive}\n`);
  });
});
