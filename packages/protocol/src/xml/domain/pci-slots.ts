// The PCI devices of a QEMU definition as libvirt 9.0 addresses them: their order, PCI or PCI Express, and the address and controller values it writes.
import { element, type XmlElement } from '../xml-tree.js';
import type { AddressSpec, ControllerSpec, DeviceSpec, DomainSpec } from './domain-spec.js';

/** `<address type='pci'>` on domain 0, as libvirt formats it (two-digit bus and slot). */
export const pci = (bus: number, slot: number, fn = 0, multifunction = false): AddressSpec => ({
  type: 'pci',
  attributes: new Map([
    ['domain', '0x0000'],
    ['bus', `0x${bus.toString(16).padStart(2, '0')}`],
    ['slot', `0x${slot.toString(16).padStart(2, '0')}`],
    ['function', `0x${fn.toString(16)}`],
    ...(multifunction ? ([['multifunction', 'on']] as [string, string][]) : []),
  ]),
});

/** A `<controller>` the driver adds. */
export const controller = (type: string, index: number, model?: string, children: XmlElement[] = []): ControllerSpec => {
  const spec: ControllerSpec = { kind: 'controller', type, index, attributes: new Map(), children };
  if (model !== undefined) spec.model = model;
  return spec;
};

/** A device that takes a PCI slot: where its address is read and written, and whether it plugs into PCI Express. */
export interface PciSlotUser {
  holder: { address?: AddressSpec };
  /** false: a conventional PCI device, which q35 puts behind a pcie-to-pci-bridge. */
  express: boolean;
}

/** NIC models QEMU makes PCI Express devices (qemuDomainDeviceCalculatePCIConnectFlags: virtio, e1000e); every other model is conventional PCI. */
const EXPRESS_NICS: ReadonlySet<string> = new Set(['virtio', 'virtio-non-transitional', 'e1000e']);
/** USB controller models that are PCI Express devices; the UHCI/EHCI/OHCI ones are conventional PCI. */
const EXPRESS_USB: ReadonlySet<string> = new Set(['qemu-xhci', 'nec-xhci']);

/** Devices that sit on a PCI slot of their own, in the order libvirt hands out addresses (qemuDomainAssignDevicePCISlots). */
export function pciDevices(spec: DomainSpec): PciSlotUser[] {
  const out: PciSlotUser[] = [];
  for (const d of spec.devices) if (d.kind === 'interface') out.push({ holder: d, express: EXPRESS_NICS.has(d.model ?? 'virtio') });
  for (const d of spec.devices) {
    if (d.kind !== 'controller') continue;
    if (d.type === 'usb' && d.model !== 'none') out.push({ holder: d, express: EXPRESS_USB.has(d.model ?? '') });
    else if (d.type === 'virtio-serial') out.push({ holder: d, express: true });
    else if (d.type === 'scsi') out.push({ holder: d, express: d.model === undefined || d.model.startsWith('virtio') });
  }
  for (const d of spec.devices) if (d.kind === 'disk' && d.target.bus === 'virtio') out.push({ holder: d, express: true });
  for (const name of ['memballoon', 'rng']) {
    for (const d of spec.devices) {
      if (d.kind !== 'other' || d.element.name !== name) continue;
      if (name === 'memballoon' && d.element.attributes.get('model') === 'none') continue;
      out.push({ holder: addressHolder(d), express: true });
    }
  }
  return out;
}

/** A kept element (memballoon, rng, input) whose `<address>` child the assigner may set. */
export function addressHolder(device: Extract<DeviceSpec, { kind: 'other' }>): { address?: AddressSpec } {
  return {
    get address() {
      const el = device.element.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === 'address');
      return el ? { type: el.attributes.get('type') ?? '', attributes: el.attributes } : undefined;
    },
    set address(address: AddressSpec | undefined) {
      if (!address) return;
      const attributes: Record<string, string> = { type: address.type, ...Object.fromEntries(address.attributes) };
      device.element = {
        ...device.element,
        children: [...device.element.children.filter((c) => typeof c === 'string' || c.name !== 'address'), element('address', attributes)],
      };
    },
  };
}

/** A number attribute of an address (`bus`, `slot`, `function`), 0 when absent. */
export const hexAttribute = (address: AddressSpec | undefined, name: string): number => Number(address?.attributes.get(name) ?? 0);

/** A device's `<address>`, wherever it is kept. */
export const addressOf = (d: DeviceSpec): AddressSpec | undefined => ('address' in d ? d.address : d.kind === 'other' ? addressHolder(d).address : undefined);

/**
 * virDeviceInfoPCIAddressIsWanted: a PCI address on domain, bus and slot 0 (virPCIDeviceAddressIsEmpty,
 * whatever its function: 0000:00:00.x) asks for one, as no address does; the driver drops it and
 * assigns one.
 */
export function dropEmptyPciAddresses(spec: DomainSpec): void {
  for (const d of spec.devices) {
    const address = addressOf(d);
    if (address?.type !== 'pci' || ['domain', 'bus', 'slot'].some((name) => hexAttribute(address, name) !== 0)) continue;
    if ('address' in d) delete d.address;
    else if (d.kind === 'other') {
      d.element = { ...d.element, children: d.element.children.filter((c) => typeof c === 'string' || c.name !== 'address') };
    }
  }
}

/**
 * virDomainPCIAddressSetAllMulti: the device at function 0 of a slot where another function is in
 * use gets `multifunction='on'`, unless it says otherwise.
 */
export function markMultifunctionSlots(spec: DomainSpec): void {
  const slotOf = (a: AddressSpec) => `${hexAttribute(a, 'domain')}:${hexAttribute(a, 'bus')}:${hexAttribute(a, 'slot')}`;
  const shared = new Set<string>();
  for (const d of spec.devices) {
    const address = addressOf(d);
    if (address?.type === 'pci' && hexAttribute(address, 'function') !== 0) shared.add(slotOf(address));
  }
  for (const d of spec.devices) {
    const address = addressOf(d);
    if (address?.type !== 'pci' || hexAttribute(address, 'function') !== 0 || !shared.has(slotOf(address)) || address.attributes.has('multifunction')) continue;
    const marked: AddressSpec = { ...address, attributes: new Map([...address.attributes, ['multifunction', 'on']]) };
    if ('address' in d) d.address = marked;
    else if (d.kind === 'other') addressHolder(d).address = marked;
  }
}
