// Disks are bounded where they cost work: per domain at define (and in a redefined snapshot's <domain>), and per snapshot once aligned with the domain.
import { ErrorNumber } from '@virtwire/protocol';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { errorOf, openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';

const disk = (i: number) =>
  `<disk type='file' device='disk'><source file='/images/d${i}.img'/><target dev='vd${String.fromCharCode(97 + (i % 26))}${i >= 26 ? i : ''}'/></disk>`;
const domainXml = (name: string, disks: number, between = '') =>
  `<domain type='test'><name>${name}</name><uuid>${'0b1c2d3e-4f50-4a6b-9c8d-7e6f5a4b3c2d'}</uuid><memory>1024</memory><os><type>hvm</type></os><devices>${Array.from({ length: disks }, (_, i) => disk(i)).join(between)}</devices></domain>`;

describe('disk bounds', () => {
  let server: TestDaemon;
  let dir: string;
  let client: RawClient;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-disks-'));
    // A node file is the administrator's: its domain may have more disks than clients may define.
    writeFileSync(join(dir, 'wide.xml'), `<node>${domainXml('wide', 6)}</node>`);
    server = await startTestDaemon({ nodeFileRoots: [dir], limits: { maxSnapshotDisks: 4, maxDomainDisks: 4 } });
    client = await openRaw(unixUrl(server.socket));
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tooMany = (n: number) => ({ code: ErrorNumber.XmlError, message: `XML error: domain definition has ${n} disks; this daemon accepts at most 4` });

  it('refuses to define a domain with more disks than maxDomainDisks, in every spelling', async () => {
    resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }));
    expect(errorOf(await client.call('DomainDefineXML', { xml: domainXml('five', 5) }))).toMatchObject(tooMany(5));
    expect(errorOf(await client.call('DomainDefineXML', { xml: domainXml('commented', 5, '<!-- x -->') }))).toMatchObject(tooMany(5));
    const selfClosing = domainXml('empty', 0).replace('</devices>', "<disk type='file' device='cdrom'/>".repeat(5) + '</devices>');
    expect(errorOf(await client.call('DomainDefineXML', { xml: selfClosing }))).toMatchObject(tooMany(5));
    expect(resultOf(await client.call('DomainDefineXML', { xml: domainXml('four', 4) }))).toMatchObject({ name: 'four' });
    resultOf(await client.call('ConnectClose', {}));
  });

  it('refuses a REDEFINE whose <domain> or <inactiveDomain> has more disks than maxDomainDisks', async () => {
    resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }));
    const domain = resultOf(await client.call('DomainLookupByName', { name: 'test' }));
    const inner = domainXml('test', 5).replace(/<uuid>[^<]*<\/uuid>/, '<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>');
    const redefine = (body: string) => `<domainsnapshot><name>r</name><state>shutoff</state><creationTime>1</creationTime>${body}</domainsnapshot>`;
    expect(errorOf(await client.call('DomainSnapshotCreateXML', { domain, xml: redefine(inner), flags: 1 }))).toMatchObject(tooMany(5));
    const inactive = inner.replace(/^<domain /, '<inactiveDomain ').replace(/<\/domain>$/, '</inactiveDomain>');
    expect(errorOf(await client.call('DomainSnapshotCreateXML', { domain, xml: redefine(inactive), flags: 1 }))).toMatchObject(tooMany(5));
    resultOf(await client.call('ConnectClose', {}));
  });

  it('bounds the aligned disk count: a snapshot of a domain with more disks than maxSnapshotDisks is refused, however few it lists', async () => {
    resultOf(await client.call('ConnectOpen', { uri: `test://${join(dir, 'wide.xml')}` }));
    const domain = resultOf(await client.call('DomainLookupByName', { name: 'wide' }));
    for (const xml of ['<domainsnapshot><name>s</name></domainsnapshot>', "<domainsnapshot><name>s</name><disks><disk name='vda'/></disks></domainsnapshot>"]) {
      expect(errorOf(await client.call('DomainSnapshotCreateXML', { domain, xml, flags: 16 }))).toMatchObject({
        code: ErrorNumber.XmlError,
        message: "XML error: snapshot would cover the domain's 6 disks; this daemon accepts at most 4",
      });
    }
    expect(resultOf(await client.call('DomainSnapshotNum', { domain })) as number).toBe(0);
    resultOf(await client.call('ConnectClose', {}));
  });
});

describe('the default disk bound', () => {
  let server: TestDaemon;
  let client: RawClient;
  beforeAll(async () => {
    server = await startTestDaemon();
    client = await openRaw(unixUrl(server.socket));
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it('defines a domain with as many disks as libvirt’s own test data has (105, pci-bridge-many-disks), and refuses one past 256', async () => {
    resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }));
    expect(resultOf(await client.call('DomainDefineXML', { xml: domainXml('many', 105) }))).toMatchObject({ name: 'many' });
    expect(resultOf(await client.call('DomainDefineXML', { xml: domainXml('most', 256).replace('0b1c2d3e', '1b1c2d3e') }))).toMatchObject({ name: 'most' });
    expect(errorOf(await client.call('DomainDefineXML', { xml: domainXml('past', 257) }))).toMatchObject({
      code: ErrorNumber.XmlError,
      message: 'XML error: domain definition has 257 disks; this daemon accepts at most 256',
    });
    resultOf(await client.call('ConnectClose', {}));
  });
});
