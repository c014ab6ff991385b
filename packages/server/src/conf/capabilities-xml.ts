// The host capabilities XML of virConnectGetCapabilities, as far as virtwire's drivers describe it: an x86_64 host and its one guest type.
import { element, formatXml } from '@virtwire/protocol/xml';

/** The guest a driver runs: libvirt's `<guest><arch>` entry. */
export interface GuestCapabilities {
  /** `<domain type>`: `test`, `qemu`. */
  domainType: string;
  /** The emulator binary, when the driver runs one. */
  emulator?: string;
  /** Further `<domain type>` entries the guest runs under (`kvm` when the host offers it). */
  moreDomainTypes?: readonly string[];
  /** Machine types, preferred first. */
  machines?: readonly string[];
}

/** libvirt-style capabilities XML (escaped, two-space indented) for an x86_64 host with one guest type. */
export function capabilitiesXml(guest: GuestCapabilities): string {
  const text = (name: string, value: string) => element(name, {}, [value]);
  const arch = element('arch', { name: 'x86_64' }, [
    text('wordsize', '64'),
    ...(guest.emulator === undefined ? [] : [text('emulator', guest.emulator)]),
    ...(guest.machines ?? []).map((machine) => text('machine', machine)),
    element('domain', { type: guest.domainType }),
    ...(guest.moreDomainTypes ?? []).map((type) => element('domain', { type })),
  ]);
  const host = element('host', {}, [element('cpu', {}, [text('arch', 'x86_64')])]);
  return formatXml(element('capabilities', {}, [host, element('guest', {}, [text('os_type', 'hvm'), arch])]));
}
