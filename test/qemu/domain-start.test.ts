// Starting guests for real: KVM where its device is usable and refused where not, TCG for type='qemu', and QEMU's own error when a launch fails.
import { connect, DomainCreateFlags, DomainSnapshotRevertFlags, DomainUndefineFlags, ErrorDomain, ErrorNumber } from '@virtwire/client';
import { QmpClient } from '@virtwire/server/qemu-engine';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, copyFileSync, existsSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { domainXml, failure, hasQemu, inspect, withAcpi } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

/** True when this machine's /dev/kvm opens read-write (the driver's own test): the KVM branch runs only then. */
const kvmHere = (() => {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
})();

const REQUIRES_KVM =
  'unsupported configuration: Domain requires KVM, but it is not available. Check that virtualization is enabled in the host BIOS, and host configuration is setup to load the kvm modules.';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

describe.skipIf(!hasQemu)('qemu driver: acceleration, UEFI and start failures', () => {
  const qemu = useQemuDaemon({ inspectionMonitor: true });
  let other: TestDaemon | undefined;
  afterAll(async () => other?.close());

  const accelOf = async (uuid: string): Promise<{ enabled: boolean; argv: string[] }> => {
    const qmp: QmpClient = await inspect(qemu.runtimeDir, uuid);
    try {
      const pid = Number(readFileSync(join(qemu.runtimeDir, uuid, 'qemu.pid'), 'utf8').trim());
      return { enabled: (await qmp.execute<{ enabled: boolean }>('query-kvm')).enabled, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') };
    } finally {
      await qmp.close();
    }
  };

  it("type='qemu' runs under TCG", async () => {
    const dom = await qemu.conn.domainDefineXML(domainXml('tcg', []));
    await dom.create(DomainCreateFlags.StartPaused);
    const { enabled, argv } = await accelOf(dom.uuid);
    expect(enabled).toBe(false);
    expect(argv[argv.indexOf('-accel') + 1]).toBe('tcg');
    await dom.destroy();
  });

  it("a CPU's migratable='off' reaches QEMU (-cpu max,migratable=off), as libvirt's qemuBuildCpuModelArgStr passes it", async () => {
    const dom = await qemu.conn.domainDefineXML(domainXml('max-cpu', []).replace('</os>', "</os>\n  <cpu mode='maximum' migratable='off'/>"));
    await dom.create(DomainCreateFlags.StartPaused);
    const { argv } = await accelOf(dom.uuid);
    expect(argv[argv.indexOf('-cpu') + 1]).toBe('max,migratable=off');
    await dom.destroy();
    await dom.undefine();
  });

  it.skipIf(!kvmHere)("type='kvm' runs under KVM where /dev/kvm is usable, and the capabilities say so", async () => {
    expect(await qemu.conn.getCapabilitiesXML()).toContain("<domain type='qemu'/>\n      <domain type='kvm'/>");
    const dom = await qemu.conn.domainDefineXML(domainXml('kvm', []).replace("type='qemu'", "type='kvm'"));
    await dom.create(DomainCreateFlags.StartPaused);
    const { enabled, argv } = await accelOf(dom.uuid);
    expect(enabled).toBe(true);
    expect(argv[argv.indexOf('-accel') + 1]).toBe('kvm');
    expect(await dom.getXMLDesc()).toContain("<domain type='kvm' id=");
    await dom.destroy();
  });

  it("without a usable KVM device, type='kvm' is refused at define and at start with libvirt's errors, and the capabilities leave it out", async () => {
    // the daemon's KVM device is a stand-in file: present (usable) at define, removed before the start
    const device = qemu.box.path('fake-kvm');
    writeFileSync(device, '');
    other = await startTestDaemon({ stateDir: qemu.box.mkdir('state2'), qemu: { runtimeDir: qemu.box.mkdir('run2'), kvmDevice: device } });
    const conn = await connect(other.qemuUri);
    try {
      const dom = await conn.domainDefineXML(domainXml('needs-kvm', []).replace("type='qemu'", "type='kvm'"));
      rmSync(device);
      expect(await conn.getCapabilitiesXML()).not.toContain("<domain type='kvm'/>");
      const start = await failure(dom.create());
      expect([start.code, start.domain, start.message]).toEqual([ErrorNumber.ConfigUnsupported, ErrorDomain.Qemu, REQUIRES_KVM]);
      expect(await dom.isActive()).toBe(false);
      const define = await failure(conn.domainDefineXML(domainXml('kvm2', []).replace("type='qemu'", "type='kvm'")));
      expect([define.code, define.message]).toEqual([
        ErrorNumber.ConfigUnsupported,
        `unsupported configuration: Emulator '${execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim()}' does not support virt type 'kvm'`,
      ]);
    } finally {
      await conn.close();
    }
  });

  it("a failed start reports QEMU's own error of that launch, not an older line of the log", async () => {
    // not a qcow2 image at all, with its (empty) chain declared so that only QEMU opens it
    const bad = join(qemu.images, 'garbage.qcow2');
    writeFileSync(bad, Buffer.alloc(1024 * 1024, 0x5a));
    const xml = domainXml('broken', [{ target: 'vda', path: bad }]).replace("<target dev='vda'", "<backingStore/>\n      <target dev='vda'");
    const dom = await qemu.conn.domainDefineXML(xml);
    const first = await failure(dom.create());
    expect([first.code, first.domain]).toEqual([ErrorNumber.InternalError, ErrorDomain.Qemu]);
    expect(first.message).toMatch(
      /^internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: -blockdev \{"node-name":"vda-fmt".*: Image is not in qcow2 format$/s,
    );
    const log = join(qemu.runtimeDir, dom.uuid, 'qemu.log');
    expect(existsSync(log)).toBe(true);
    // the image is made valid and the CPU model is one QEMU does not know: a different error, from the second launch only
    appendFileSync(log, 'qemu-system-x86_64: an older error that must not be reported\n');
    rmSync(bad);
    await qemu.box.image(bad);
    await qemu.conn.domainDefineXML(
      xml
        .replace('<name>broken</name>', `<name>broken</name><uuid>${dom.uuid}</uuid>`)
        .replace('<vcpu>1</vcpu>', "<vcpu>1</vcpu><cpu mode='custom'><model>no-such-cpu</model></cpu>"),
    );
    const second = await failure(dom.create());
    expect(second.message).toMatch(/^internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: .*no-such-cpu/s);
    expect(second.message).not.toContain('older error');
    expect(second.message).not.toContain('qcow2 format');
    expect(await dom.isActive()).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)("a bridge (the daemon runs as root) goes to QEMU's bridge helper, whose own refusal is the start's error", async () => {
    const dom = await qemu.conn.domainDefineXML(
      domainXml('bridged', []).replace('<devices>', "<devices><interface type='bridge'><source bridge='vwnobr0'/></interface>"),
    );
    const error = await failure(dom.create());
    expect(error.message).toMatch(
      /^internal error: qemu unexpectedly closed the monitor: .*qemu-system-x86_64: -netdev bridge,id=hostnet0,br=vwnobr0: bridge helper failed$/s,
    );
    await dom.undefine();
  });

  it('confines boot files and sockets again right before QEMU opens them: a symbolic link out of the root is refused', async () => {
    const kernel = join(qemu.images, 'kernel-link');
    symlinkSync('/etc/hostname', kernel);
    const dom = await qemu.conn.domainDefineXML(domainXml('escape', []).replace('</type>', `</type><kernel>${kernel}</kernel>`));
    const error = await failure(dom.create());
    expect(error.code).toBe(ErrorNumber.AccessDenied);
    expect(await dom.isActive()).toBe(false);
    await dom.undefine();
  });

  it.skipIf(!existsSync(OVMF_CODE))(
    "UEFI: firmware='efi' picks Debian's OVMF and a per-domain NVRAM copy; a named loader and NVRAM template are confined and used",
    async () => {
      const efiDisk = await qemu.box.image(join(qemu.images, 'efi.qcow2'));
      const efi = await qemu.conn.domainDefineXML(withAcpi(domainXml('efi', [{ target: 'vda', path: efiDisk }]).replace('<os>', "<os firmware='efi'>")));
      await efi.create(DomainCreateFlags.StartPaused);
      const nvram = join(qemu.stateDir, 'qemu', 'nvram', 'efi_VARS.fd');
      expect(statSync(nvram).mode & 0o777).toBe(0o600);
      expect(readFileSync(nvram).equals(readFileSync(OVMF_VARS))).toBe(true);
      const live = await efi.getXMLDesc();
      expect(live).toContain(`<loader readonly='yes' type='pflash'>${OVMF_CODE}</loader>`);
      expect(live).toContain(`<nvram template='${OVMF_VARS}'>${nvram}</nvram>`);
      const pflash = await pflashFiles(qemu.runtimeDir, efi.uuid);
      expect(pflash).toEqual([OVMF_CODE, nvram]);
      // as libvirt: the pflash NVRAM keeps a running UEFI guest out of internal snapshots
      const internal = await failure(efi.snapshotCreateXML('<domainsnapshot><name>i1</name></domainsnapshot>'));
      expect([internal.code, internal.message]).toEqual([
        ErrorNumber.OperationUnsupported,
        'Operation not supported: internal snapshots of a VM with pflash based firmware are not supported',
      ]);
      await efi.destroy();
      // the NVRAM is the domain's own: kept across starts, from the template again with START_RESET_NVRAM
      writeFileSync(nvram, Buffer.alloc(statSync(nvram).size, 1));
      await efi.create(DomainCreateFlags.StartPaused);
      await efi.destroy();
      expect(readFileSync(nvram).equals(Buffer.alloc(statSync(nvram).size, 1))).toBe(true);
      await efi.create(DomainCreateFlags.StartPaused | DomainCreateFlags.StartResetNvram);
      expect(readFileSync(nvram).equals(readFileSync(OVMF_VARS))).toBe(true);
      expect(statSync(nvram).mode & 0o777).toBe(0o600);
      await efi.destroy();
      // and a revert that starts the guest with REVERT_RESET_NVRAM (an offline snapshot: a running UEFI guest takes no internal one)
      const offline = await efi.snapshotCreateXML('<domainsnapshot><name>off</name></domainsnapshot>');
      writeFileSync(nvram, Buffer.alloc(statSync(nvram).size, 1));
      await offline.revert(DomainSnapshotRevertFlags.Paused | DomainSnapshotRevertFlags.ResetNvram);
      expect(await efi.isActive()).toBe(true);
      expect(readFileSync(nvram).equals(readFileSync(OVMF_VARS))).toBe(true);
      await efi.destroy();
      await offline.delete();
      // libvirt's rule: a domain with an NVRAM file is undefined only with UNDEFINE_NVRAM or KEEP_NVRAM
      const keep = await failure(efi.undefine());
      expect([keep.code, keep.message]).toEqual([ErrorNumber.OperationInvalid, 'Requested operation is not valid: cannot undefine domain with nvram']);
      await efi.undefine(DomainUndefineFlags.Nvram);
      expect(existsSync(nvram)).toBe(false);
      // named files: the loader and template must sit in a storage root, the NVRAM is created from the template there
      const code = join(qemu.images, 'code.fd');
      const vars = join(qemu.images, 'vars.fd');
      copyFileSync(OVMF_CODE, code);
      copyFileSync(OVMF_VARS, vars);
      const own = join(qemu.images, 'own_VARS.fd');
      const named = await qemu.conn.domainDefineXML(
        withAcpi(domainXml('efi-named', [])).replace(
          '</type>',
          `</type><loader readonly='yes' type='pflash'>${code}</loader><nvram template='${vars}'>${own}</nvram>`,
        ),
      );
      await named.create(DomainCreateFlags.StartPaused);
      expect(await pflashFiles(qemu.runtimeDir, named.uuid)).toEqual([code, own]);
      expect(statSync(own).mode & 0o777).toBe(0o600);
      await named.destroy();
      await named.undefine(DomainUndefineFlags.KeepNvram);
      expect(existsSync(own)).toBe(true);
      // any other firmware outside the roots is refused; OVMF's own code, which firmware='efi' picks (and every live XML names), is not
      const secureBoot = OVMF_CODE.replace('.fd', '.secboot.fd');
      const outside = await failure(
        qemu.conn.domainDefineXML(withAcpi(domainXml('efi-out', [])).replace('</type>', `</type><loader readonly='yes' type='pflash'>${secureBoot}</loader>`)),
      );
      expect([outside.code, outside.message]).toEqual([
        ErrorNumber.AccessDenied,
        `access denied: path '${secureBoot}' is outside the storage roots of this daemon`,
      ]);
      const chosen = await qemu.conn.domainDefineXML(
        withAcpi(domainXml('efi-ovmf', [])).replace('</type>', `</type><loader readonly='yes' type='pflash'>${OVMF_CODE}</loader>`),
      );
      await chosen.undefine();
    },
  );
});

/** The files behind QEMU's pflash units 0 and 1. */
async function pflashFiles(runtimeDir: string, uuid: string): Promise<string[]> {
  const qmp = await inspect(runtimeDir, uuid);
  try {
    const blocks = await qmp.execute<Array<{ device: string; inserted?: { file: string } }>>('query-block');
    return ['pflash0', 'pflash1'].map((id) => blocks.find((b) => b.device === id)?.inserted?.file ?? '');
  } finally {
    await qmp.close();
  }
}
