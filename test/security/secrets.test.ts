// Secure data (graphics passwords, disk cookies) never reaches a caller that did not ask with SECURE on a read-write connection, on any read path of either driver.
import { DomainSnapshotCreateFlags, ErrorNumber } from '@virtwire/protocol';
import { generateToken, tokenEntry } from '@virtwire/server';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { hasQemu } from '../qemu/qemu-fixture.js';
import { errorOf, openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';

const SECRETS = ['VNC-SECRET', 'SPICE-SECRET', 'RDP-SECRET', 'COOKIE-SECRET', 'BACKING-COOKIE-SECRET'];
const XML_SECURE = 1; // VIR_DOMAIN_XML_SECURE, and VIR_DOMAIN_SNAPSHOT_XML_SECURE
const XML_INACTIVE = 2;
const XML_MIGRATABLE = 8;

/** Devices holding every kind of secure data libvirt knows. */
const secretDevices = `
    <disk type='network' device='disk'>
      <source protocol='http' name='/x.img'><host name='images.example' port='80'/><cookies><cookie name='s'>COOKIE-SECRET</cookie></cookies></source>
      <backingStore type='network'><format type='raw'/><source protocol='http' name='/base.img'><host name='images.example'/><cookies><cookie name='b'>BACKING-COOKIE-SECRET</cookie></cookies></source><backingStore/></backingStore>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <graphics type='vnc' port='-1' passwd='VNC-SECRET' passwdValidTo='2030-01-01T00:00:00'/>
    <graphics type='spice' port='-1' passwd='SPICE-SECRET'/>
    <graphics type='rdp' port='-1' passwd='RDP-SECRET'/>`;

const testDomain = (name: string, uuid: string) => `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory>1024</memory><os><type>hvm</type></os>
  <devices><disk type='file' device='disk'><source file='/images/${name}.img'/><target dev='vda'/></disk>${secretDevices}</devices></domain>`;

const leaked = (text: string) => SECRETS.filter((s) => text.includes(s));

describe('secure data and read-only callers', () => {
  let server: TestDaemon;
  let dir: string;
  const roToken = generateToken();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-secrets-'));
    writeFileSync(join(dir, 'node.xml'), `<node>${testDomain('noded', '11111111-2222-4333-8444-555555555555')}</node>`);
    server = await startTestDaemon({ nodeFileRoots: [dir], tokens: [tokenEntry(roToken, 'ro', 'viewer')] });
    // As in libvirt, test:///default lives while a connection holds it: keep it for the readers below.
    await server.keepDefaultHost();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every kind of caller that must not see secure data, and how it connects. */
  const readers: Array<[string, () => Promise<RawClient>, number]> = [
    ['the read-only socket', () => openRaw(unixUrl(server.readOnlySocket)), 0],
    ['a read-only token', () => openRaw(server.wsAddress, { headers: { authorization: `Bearer ${roToken}` } }), 0],
    ['VIR_CONNECT_RO on the read-write socket', () => openRaw(unixUrl(server.socket)), 1],
    ['a read-write caller without SECURE', () => openRaw(server.wsAddress, { headers: { authorization: `Bearer ${TEST_TOKEN}` } }), 0],
  ];

  async function prepare(uri: string): Promise<void> {
    const rw = await openRaw(unixUrl(server.socket));
    resultOf(await rw.call('ConnectOpen', { uri }));
    if (uri === 'test:///default') {
      const defined = resultOf(await rw.call('DomainDefineXML', { xml: testDomain('vault', '99999999-8888-4777-8666-555555555555') }));
      resultOf(await rw.call('DomainCreate', { domain: defined }));
      // A running domain redefined: its snapshot records both <domain> and <inactiveDomain>.
      resultOf(await rw.call('DomainDefineXML', { xml: testDomain('vault', '99999999-8888-4777-8666-555555555555').replace('VNC-SECRET', 'VNC-SECRET-2') }));
      resultOf(await rw.call('DomainSnapshotCreateXML', { domain: defined, xml: '<domainsnapshot><name>s1</name></domainsnapshot>', flags: 0 }));
      const redefined = `<domainsnapshot><name>r1</name><state>shutoff</state><creationTime>1</creationTime>${testDomain('vault', '99999999-8888-4777-8666-555555555555')}</domainsnapshot>`;
      resultOf(await rw.call('DomainSnapshotCreateXML', { domain: defined, xml: redefined, flags: DomainSnapshotCreateFlags.Redefine }));
    }
    rw.close();
  }

  for (const uriKind of ['test:///default', 'node file'] as const) {
    describe(uriKind, () => {
      const uri = () => (uriKind === 'node file' ? `test://${join(dir, 'node.xml')}` : 'test:///default');
      const domainName = uriKind === 'node file' ? 'noded' : 'vault';
      beforeAll(async () => prepare(uri()));

      for (const [label, open, connectFlags] of readers) {
        it(`${label}: no secure data from DomainGetXMLDesc (0, INACTIVE, MIGRATABLE) or DomainSnapshotGetXMLDesc`, async () => {
          const client = await open();
          resultOf(await client.call('ConnectOpen', { uri: uri(), flags: connectFlags }));
          const domain = resultOf(await client.call('DomainLookupByName', { name: domainName }));
          for (const flags of [0, XML_INACTIVE, XML_MIGRATABLE, XML_INACTIVE | XML_MIGRATABLE]) {
            const xml = resultOf(await client.call('DomainGetXMLDesc', { domain, flags })) as string;
            expect(leaked(xml), `DomainGetXMLDesc flags ${flags}`).toEqual([]);
            expect(xml).toContain("passwdValidTo='2030-01-01T00:00:00'");
          }
          const names = (resultOf(await client.call('DomainListAllSnapshots', { domain })) as { names: string[] }).names;
          for (const name of names) {
            const xml = resultOf(await client.call('DomainSnapshotGetXMLDesc', { snapshot: { name, domain }, flags: 0 })) as string;
            expect(leaked(xml), `snapshot ${name}`).toEqual([]);
          }
          if (label !== 'a read-write caller without SECURE') {
            expect(errorOf(await client.call('DomainGetXMLDesc', { domain, flags: XML_SECURE })).code).toBe(ErrorNumber.OperationDenied);
            if (names[0])
              expect(errorOf(await client.call('DomainSnapshotGetXMLDesc', { snapshot: { name: names[0], domain }, flags: XML_SECURE })).code).toBe(
                ErrorNumber.OperationDenied,
              );
          }
          client.close();
        });
      }

      it('a read-write caller with SECURE gets VNC and SPICE passwords and the cookies back', async () => {
        const client = await openRaw(unixUrl(server.socket));
        resultOf(await client.call('ConnectOpen', { uri: uri() }));
        const domain = resultOf(await client.call('DomainLookupByName', { name: domainName }));
        const xml = resultOf(await client.call('DomainGetXMLDesc', { domain, flags: XML_SECURE | XML_INACTIVE })) as string;
        expect(leaked(xml)).toEqual(expect.arrayContaining(['VNC-SECRET', 'SPICE-SECRET', 'COOKIE-SECRET', 'BACKING-COOKIE-SECRET']));
        client.close();
      });
    });
  }
});

describe.skipIf(!hasQemu)('secure data in the qemu driver', () => {
  let server: TestDaemon;
  beforeAll(async () => {
    server = await startTestDaemon({ qemu: { runtimeDir: mkdtempSync(join(tmpdir(), 'vwq-')) } });
  });
  afterAll(async () => server?.close());

  it('a read-only caller gets no graphics password from DomainGetXMLDesc or a redefined snapshot', async () => {
    // the qemu driver runs VNC only (SPICE is refused at define), so SPICE's password travels in a redefined snapshot's <domain>
    const head = `<domain type='qemu'><name>qvault</name><uuid>12345678-1234-4234-8234-123456789abc</uuid><memory unit='KiB'>131072</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>`;
    const xml = `${head}<devices><graphics type='vnc' port='-1' passwd='VNC-SECRET'/></devices></domain>`;
    const withSpice = `${head}<devices><graphics type='vnc' port='-1' passwd='VNC-SECRET'/><graphics type='spice' port='-1' passwd='SPICE-SECRET'/></devices></domain>`;
    const rw = await openRaw(unixUrl(server.socket));
    resultOf(await rw.call('ConnectOpen', { uri: 'qemu:///session' }));
    const refused = await rw.call('DomainDefineXML', { xml: withSpice });
    expect(leaked(JSON.stringify(refused))).toEqual([]);
    const domain = resultOf(await rw.call('DomainDefineXML', { xml }));
    const redefined = `<domainsnapshot><name>r1</name><state>shutoff</state><creationTime>1</creationTime>${withSpice}</domainsnapshot>`;
    resultOf(await rw.call('DomainSnapshotCreateXML', { domain, xml: redefined, flags: DomainSnapshotCreateFlags.Redefine }));
    expect(leaked(resultOf(await rw.call('DomainGetXMLDesc', { domain, flags: XML_SECURE })) as string)).toEqual(['VNC-SECRET']);
    const ro = await openRaw(unixUrl(server.readOnlySocket));
    resultOf(await ro.call('ConnectOpen', { uri: 'qemu:///session' }));
    for (const flags of [0, XML_INACTIVE]) expect(leaked(resultOf(await ro.call('DomainGetXMLDesc', { domain, flags })) as string)).toEqual([]);
    expect(leaked(resultOf(await ro.call('DomainSnapshotGetXMLDesc', { snapshot: { name: 'r1', domain }, flags: 0 })) as string)).toEqual([]);
    expect(leaked(resultOf(await rw.call('DomainSnapshotGetXMLDesc', { snapshot: { name: 'r1', domain }, flags: 0 })) as string)).toEqual([]);
    resultOf(await rw.call('DomainSnapshotDelete', { snapshot: { name: 'r1', domain }, flags: 2 }));
    resultOf(await rw.call('DomainUndefine', { domain, flags: 0 }));
    ro.close();
    rw.close();
  });
});
