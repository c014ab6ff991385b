// The qemu driver's snapshot create against libvirt 9.0's qemu driver where the snapshot sweep found them apart: check order, texts, the save cookie.
import { DomainSnapshotCreateFlags as Create, DomainSnapshotDeleteFlags, ErrorDomain, ErrorNumber, type Domain } from '@virtwire/client';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { domainXml, failure, hasQemu } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

describe.skipIf(!hasQemu)('qemu driver: snapshot create checks in libvirt order', () => {
  const qemu = useQemuDaemon({ confined: false, inspectionMonitor: false });
  let dom: Domain;
  let images: string;
  beforeAll(async () => {
    images = qemu.images;
    const vda = await qemu.box.image(join(images, 'vda.qcow2'), 1024 * 1024);
    const vdb = await qemu.box.image(join(images, 'vdb.qcow2'), 1024 * 1024);
    dom = await qemu.conn.domainDefineXML(
      domainXml('order', [
        { target: 'vda', path: vda },
        { target: 'vdb', path: vdb },
      ]),
    );
  });

  it("refuses a mix of internal and external disks with libvirt's 'mixing' error, under ATOMIC too", async () => {
    const mixed = "<domainsnapshot><name>m</name><disks><disk name='vda' snapshot='internal'/></disks></domainsnapshot>";
    for (const flags of [Create.DiskOnly, Create.DiskOnly | Create.Atomic]) {
      const error = await failure(dom.snapshotCreateXML(mixed, flags));
      expect([error.code, error.domain, error.message]).toEqual([
        ErrorNumber.ConfigUnsupported,
        ErrorDomain.Qemu,
        'unsupported configuration: mixing internal and external targets for a snapshot is not yet supported',
      ]);
    }
    expect(await dom.snapshotNum()).toBe(0);
  });

  it("checks a block device target as libvirt does: a missing one 'doesn't exist', a regular file is a type mismatch", async () => {
    const missing = join(images, 'no-such-device');
    const request = (dev: string) =>
      `<domainsnapshot><name>b</name><disks><disk name='vda' type='block'><source dev='${dev}'/></disk><disk name='vdb' snapshot='no'/></disks></domainsnapshot>`;
    const absent = await failure(dom.snapshotCreateXML(request(missing), Create.DiskOnly));
    expect([absent.code, absent.domain, absent.message]).toEqual([
      ErrorNumber.OperationUnsupported,
      ErrorDomain.Qemu,
      `Operation not supported: block device snapshot target '${missing}' doesn't exist`,
    ]);
    const file = join(images, 'plain.img');
    writeFileSync(file, 'not a device');
    const mismatch = await failure(dom.snapshotCreateXML(request(file), Create.DiskOnly | Create.Atomic));
    expect([mismatch.code, mismatch.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      `unsupported configuration: mismatch between configured type for snapshot disk 'vda' and the type of existing file '${file}'`,
    ]);
    expect(readdirSync(images).sort()).toEqual(['plain.img', 'vda.qcow2', 'vdb.qcow2']);
  });

  it("keeps a redefined save cookie's CPU as libvirt's CPU parser does (<model fallback='allow'> by default)", async () => {
    const xml =
      "<domainsnapshot><name>c</name><state>running</state><creationTime>5</creationTime><memory snapshot='internal'/>" +
      (await dom.getXMLDesc()) +
      "<cookie><cpu mode='custom' match='exact'><model>qemu64</model></cpu><slirpHelper/></cookie></domainsnapshot>";
    const snap = await dom.snapshotCreateXML(xml, Create.Redefine);
    const text = await snap.getXMLDesc();
    expect(text).toContain(
      "  <cookie>\n    <cpu mode='custom' match='exact'>\n      <model fallback='allow'>qemu64</model>\n    </cpu>\n    <slirpHelper/>\n  </cookie>\n",
    );
    await snap.delete(DomainSnapshotDeleteFlags.MetadataOnly);
  });
});
