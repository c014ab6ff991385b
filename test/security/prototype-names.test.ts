// Names of Object.prototype's properties, and values number parsing gets wrong, in every place of a domain and a snapshot definition: each is defined or refused with libvirt's error, never an internal one.
import { ErrorNumber, JsonRpcErrorCode, VirError } from '@virtwire/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { openRawConnection, unixUrl, type RawConnection } from '../helpers/raw-client.js';
import { hasQemu } from '../qemu/qemu-fixture.js';

/** Keys every plain object answers: a table indexed by what a definition says must not find these. */
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
/** Values that number and text parsing get wrong: each in every attribute and text (not as an element name). */
const ODD_VALUES = ['', '-1', '99999999', '18446744073709551616', 'NaN', '1e999', ' 7 ', '0x10'];

/** A definition that names most of what a domain can hold, so that every enumerated value is reached. */
const DOMAIN = `<domain type='TYPE'>
  <name>hostile-names</name>
  <uuid>0d6bf2a4-8a3c-4e2e-9a4f-6c1f0b2d7e11</uuid>
  <title>t</title>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/><bootmenu enable='no'/></os>
  <features><acpi/><apic/><pae/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='allow'>qemu64</model><feature policy='require' name='x2apic'/></cpu>
  <clock offset='utc'><timer name='rtc' tickpolicy='catchup'/></clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none' discard='unmap'/>
      <source file='/var/lib/hostile/a.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci'/>
    <controller type='sata' index='0'/>
    <controller type='virtio-serial' index='0'/>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
    <video><model type='virtio' heads='1' primary='yes'/></video>
    <watchdog model='i6300esb' action='reset'/>
    <sound model='ich9'/>
    <memballoon model='virtio'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>`;

/** A snapshot definition, for creation and (with its <domain>) for REDEFINE. */
const SNAPSHOT = `<domainsnapshot>
  <name>s-hostile</name>
  <description>d</description>
  <state>running</state>
  <creationTime>1700000000</creationTime>
  <memory snapshot='no'/>
  <disks><disk name='vda' snapshot='internal'/><disk name='sda' snapshot='no'/></disks>
</domainsnapshot>`;

/** One changed copy of a definition, and where it was changed. */
interface Variant {
  where: string;
  xml: string;
}

/** Every copy of `xml` with one attribute value, one text, or (for a name that can be one) one inserted child element replaced by `name`. */
function variants(xml: string, name: string): Variant[] {
  const out: Variant[] = [];
  const elementAt = (at: number) => /<([\w-]+)[^<]*$/.exec(xml.slice(0, at))?.[1];
  for (const match of xml.matchAll(/(\s([\w:-]+)=')([^']*)'/g)) {
    const at = match.index! + match[1]!.length;
    out.push({ where: `<${elementAt(at)} ${match[2]}='${name}'>`, xml: xml.slice(0, at) + name + xml.slice(at + match[3]!.length) });
  }
  for (const match of xml.matchAll(/>([^<>\s][^<>]*)</g)) {
    const at = match.index! + 1;
    out.push({ where: `<${elementAt(at)}>${name}<`, xml: xml.slice(0, at) + name + xml.slice(at + match[1]!.length) });
  }
  if (!/^[a-z_]\w*$/i.test(name)) return out;
  for (const match of xml.matchAll(/<([\w-]+)(\s[^<>]*)?(?<!\/)>/g)) {
    const at = match.index! + match[0].length;
    out.push({ where: `<${match[1]}><${name}/>`, xml: `${xml.slice(0, at)}<${name}/>${xml.slice(at)}` });
  }
  return out;
}

/** What a call ended with: a result, or a libvirt error; anything else (a failed test helper) throws. */
async function outcome(conn: RawConnection, method: string, params: unknown): Promise<{ result?: unknown; error?: VirError }> {
  try {
    return { result: await conn.call(method, params) };
  } catch (error) {
    if (!(error instanceof VirError)) throw error;
    return { error };
  }
}

/** Refusals libvirt 9.0 itself reports as VIR_ERR_INTERNAL_ERROR (python3-libvirt on test:///default, with these same inputs). */
const LIBVIRT_INTERNAL_ERRORS = [
  /: malformed uuid element$/,
  /: missing name from disk snapshot element$/,
  /: missing creationTime from existing snapshot$/,
  /: cannot parse (vnc|rdp) port /,
  /: cannot parse video heads /,
  /: Invalid harddisk device name: /,
];

/** An internal error (JSON-RPC's -32603, or libvirt's where libvirt has none) where a definition is checked: a lookup that found a prototype's member. */
const internal = (error: VirError) =>
  error.code === JsonRpcErrorCode.InternalError ||
  (error.code === ErrorNumber.InternalError && !LIBVIRT_INTERNAL_ERRORS.some((words) => words.test(error.message)));

describe('names of Object.prototype members in definitions', () => {
  let server: TestDaemon;
  beforeAll(async () => {
    server = await startTestDaemon();
  });
  afterAll(async () => {
    await server?.close();
  });

  const drivers = [{ uri: 'test:///default', type: 'test' }, ...(hasQemu ? [{ uri: 'qemu:///session', type: 'qemu' }] : [])];
  for (const { uri, type } of drivers) {
    it(`${uri}: every domain variant is defined (and formats) or refused with libvirt's error`, async () => {
      const conn = await openRawConnection(unixUrl(server.socket), uri);
      try {
        let defined = 0;
        let refused = 0;
        const failures: string[] = [];
        for (const name of [...PROTOTYPE_NAMES, ...ODD_VALUES]) {
          for (const { where, xml } of variants(DOMAIN.replace('TYPE', type), name)) {
            const { result, error } = await outcome(conn, 'DomainDefineXML', { xml, flags: 0 });
            if (error) {
              if (internal(error)) failures.push(`${where}: ${error.code} ${error.message}`);
              refused++;
              continue;
            }
            defined++;
            for (const flags of [0, 2]) {
              const formatted = await outcome(conn, 'DomainGetXMLDesc', { domain: result, flags });
              if (formatted.error) failures.push(`${where}, dumpxml ${flags}: ${formatted.error.code} ${formatted.error.message}`);
            }
            await conn.call('DomainUndefine', { domain: result, flags: 0 });
          }
        }
        expect(failures).toEqual([]);
        expect(defined + refused).toBeGreaterThan(400);
        expect(refused).toBeGreaterThan(0);
      } finally {
        conn.close();
      }
    });
  }

  it("test:///default: every snapshot variant is created, redefined or refused with libvirt's error", async () => {
    const conn = await openRawConnection(unixUrl(server.socket), 'test:///default');
    try {
      const domain = await conn.call('DomainDefineXML', { xml: DOMAIN.replace('TYPE', 'test'), flags: 0 });
      const inactive = (await conn.call('DomainGetXMLDesc', { domain, flags: 2 })) as string;
      const redefinition = SNAPSHOT.replace('</domainsnapshot>', `${inactive}</domainsnapshot>`);
      let answered = 0;
      const failures: string[] = [];
      for (const name of [...PROTOTYPE_NAMES, ...ODD_VALUES]) {
        const cases = [
          ...variants(SNAPSHOT, name).map((variant) => ({ ...variant, flags: 0 })),
          ...variants(redefinition, name).map((variant) => ({ ...variant, flags: 1 })),
        ];
        for (const { where, xml, flags } of cases) {
          const { result, error } = await outcome(conn, 'DomainSnapshotCreateXML', { domain, xml, flags });
          answered++;
          if (error) {
            if (internal(error)) failures.push(`${where} (flags ${flags}): ${error.code} ${error.message}`);
            continue;
          }
          const formatted = await outcome(conn, 'DomainSnapshotGetXMLDesc', { snapshot: result, flags: 0 });
          if (formatted.error) failures.push(`${where} (flags ${flags}), dumpxml: ${formatted.error.code} ${formatted.error.message}`);
          await conn.call('DomainSnapshotDelete', { snapshot: result, flags: 0 });
        }
      }
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(400);
    } finally {
      conn.close();
    }
  });
});
