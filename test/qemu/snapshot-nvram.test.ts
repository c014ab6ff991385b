// A UEFI domain's NVRAM is kept with each snapshot and put back by a revert (REVERT_RESET_NVRAM takes the template instead); removed with the snapshot.
import {
  DomainCreateFlags,
  ErrorNumber,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlags,
  DomainSnapshotRevertFlags as Revert,
} from '@virtwire/client';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { domainXml, failure, hasQemu, withAcpi } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const hasOvmf = existsSync(OVMF_VARS) && existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd');
const size = () => statSync(OVMF_VARS).size;
/** An NVRAM image whose every byte is `byte` (the guest never runs while the tests read it: started paused or stopped). */
const filled = (byte: number) => Buffer.alloc(size(), byte);
const uefiXml = (name: string, disk: string) => withAcpi(domainXml(name, [{ target: 'vda', path: disk }]).replace('<os>', "<os firmware='efi'>"));

describe.skipIf(!hasQemu || !hasOvmf)('qemu driver: the NVRAM in snapshots', () => {
  const qemu = useQemuDaemon();

  it('is copied with an offline and a live snapshot, put back by their reverts, replaced by the template with RESET_NVRAM, and removed with them', async () => {
    const disk = await qemu.box.image(join(qemu.images, 'nv.qcow2'));
    const dom = await qemu.conn.domainDefineXML(uefiXml('nv', disk));
    await dom.create(DomainCreateFlags.StartPaused); // the first start makes the domain's NVRAM from OVMF's template
    const nvram = join(qemu.stateDir, 'qemu', 'nvram', 'nv_VARS.fd');
    // the live XML names the firmware the driver chose (OVMF's files, the NVRAM in the state directory): defined
    // again as it is, it is accepted, though none of those lies in the storage roots; another domain's NVRAM is not
    const live = await dom.getXMLDesc();
    expect(live).toContain(`${nvram}</nvram>`);
    await qemu.conn.domainDefineXML(live);
    const other = await failure(qemu.conn.domainDefineXML(uefiXml('nv-other', disk).replace('</type>', `</type><nvram>${nvram}</nvram>`)));
    expect([other.code, other.message]).toEqual([ErrorNumber.AccessDenied, `access denied: path '${nvram}' is outside the storage roots of this daemon`]);
    await dom.destroy();
    const copyOf = (snapshot: string) => join(qemu.stateDir, 'qemu', 'snapshots', 'nv', `${snapshot}.nvram`);

    // offline internal snapshot: the copy is the NVRAM of that moment, 0600
    writeFileSync(nvram, filled(0xa1));
    const s1 = await dom.snapshotCreateXML('<domainsnapshot><name>s1</name></domainsnapshot>');
    expect(readFileSync(copyOf('s1')).equals(filled(0xa1))).toBe(true);
    expect(statSync(copyOf('s1')).mode & 0o777).toBe(0o600);
    writeFileSync(nvram, filled(0xb2));
    await s1.revert();
    expect(readFileSync(nvram).equals(filled(0xa1))).toBe(true);

    // live external disk-only snapshot of a paused guest; its revert stops the guest, restores, starts it paused again
    await dom.create(DomainCreateFlags.StartPaused);
    const s2 = await dom.snapshotCreateXML(
      `<domainsnapshot><name>s2</name><disks><disk name='vda' snapshot='external'><source file='${join(qemu.images, 'nv.s2')}'/></disk></disks></domainsnapshot>`,
      Create.DiskOnly | Create.Atomic,
    );
    expect(readFileSync(copyOf('s2')).equals(filled(0xa1))).toBe(true);
    await dom.destroy();
    writeFileSync(nvram, filled(0xc3));
    await s2.revert(Revert.Paused);
    expect(await dom.isActive()).toBe(true);
    expect(readFileSync(nvram).equals(filled(0xa1))).toBe(true);
    await dom.destroy();

    // REVERT_RESET_NVRAM: the template, not the copy
    writeFileSync(nvram, filled(0xd4));
    await s2.revert(Revert.Paused | Revert.ResetNvram);
    expect(readFileSync(nvram).equals(readFileSync(OVMF_VARS))).toBe(true);
    await dom.destroy();

    // a snapshot without metadata keeps no copy (nothing could revert to it)
    await dom.snapshotCreateXML('<domainsnapshot><name>s3</name></domainsnapshot>', Create.NoMetadata);
    expect(existsSync(copyOf('s3'))).toBe(false);

    // deleted (metadata only, or whole): the copy goes with the snapshot, and so does the directory
    await (await dom.snapshotLookupByName('s2')).delete(DomainSnapshotDeleteFlags.MetadataOnly);
    expect(existsSync(copyOf('s2'))).toBe(false);
    await (await dom.snapshotLookupByName('s1')).delete();
    expect(existsSync(copyOf('s1'))).toBe(false);
    expect(existsSync(join(qemu.stateDir, 'qemu', 'snapshots', 'nv'))).toBe(false);
  }, 120_000);
});
