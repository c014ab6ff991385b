// Device addresses as the qemu driver realises them: PCI slots on the root bus, a pcie-root-port or a pcie-to-pci-bridge (QEMU's bus= and addr=), drive, virtio-serial and USB addresses.
import { childElement, type XmlElement } from '@virtwire/protocol/xml';
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { unsupported, type Shape } from './xml-shape.js';

const HEX = /^0x[0-9a-fA-F]{1,8}$/;
const NUMBER = /^(0x[0-9a-fA-F]{1,8}|\d{1,8})$/;

/** `<address>` of any type a device of the driver may carry; which type fits which device is `checkAddressType`'s business. */
export const ADDRESS_SHAPE: Shape = {
  attributes: {
    type: ['pci', 'drive', 'virtio-serial', 'usb'],
    domain: HEX,
    bus: NUMBER,
    slot: HEX,
    function: HEX,
    multifunction: ['on', 'off'],
    controller: ['0'],
    target: ['0'],
    unit: /^\d{1,2}$/,
    port: /^\d{1,2}$/,
  },
};

/** A PCI address: bus (a PCI controller's index), slot, function. */
export interface PciAddress {
  bus: number;
  slot: number;
  fn: number;
  multifunction: boolean;
}

const int = (value: string | undefined): number => (value === undefined ? 0 : Number(value));

/** The device's `<address>`, refused unless it is of `type` (libvirt's own address kinds for the device). */
export function checkAddressType(el: XmlElement, type: 'pci' | 'drive' | 'virtio-serial' | 'usb', what: string): XmlElement | undefined {
  const address = childElement(el, 'address');
  if (address && address.attributes.get('type') !== type) {
    throw unsupported(`address type '${address.attributes.get('type') ?? ''}' of ${what} is not supported by the qemu driver (it takes '${type}')`);
  }
  return address;
}

/** The PCI address of a device (`<address type='pci'>`), checked: domain 0, slot 0-31, function 0-7. Undefined without one. */
export function pciAddressOf(el: XmlElement, what: string): PciAddress | undefined {
  const address = checkAddressType(el, 'pci', what);
  if (!address) return undefined;
  const a = address.attributes;
  const pci = { bus: int(a.get('bus')), slot: int(a.get('slot')), fn: int(a.get('function')), multifunction: a.get('multifunction') === 'on' };
  if (int(a.get('domain')) !== 0 || !(pci.slot <= 0x1f) || !(pci.fn <= 7) || !(pci.bus <= 0xff)) {
    throw unsupported(`PCI address of ${what} is outside domain 0, slots 0x00-0x1f, functions 0-7`);
  }
  return pci;
}

/** The indexes of the definition's PCI controllers of `model` (the buses besides the root that devices may name). */
export function pciControllerIndexes(all: readonly XmlElement[], model: 'pcie-root-port' | 'pcie-to-pci-bridge'): Set<number> {
  return new Set(
    all
      .filter((d) => d.name === 'controller' && d.attributes.get('type') === 'pci' && d.attributes.get('model') === model)
      .map((d) => Number(d.attributes.get('index'))),
  );
}

/**
 * Checks a PCI device's address: on the root bus, in slot 0 of one of the definition's root ports
 * (q35), or in slot 1-31 of one of its pcie-to-pci-bridges (slot 0 is not hot-pluggable; libvirt
 * does not use it).
 */
export function checkPciPlacement(el: XmlElement, all: readonly XmlElement[], what: string): void {
  const pci = pciAddressOf(el, what);
  if (!pci || pci.bus === 0) return;
  if (pciControllerIndexes(all, 'pcie-to-pci-bridge').has(pci.bus)) {
    if (pci.slot === 0) throw unsupported(`PCI address of ${what} on the pcie-to-pci-bridge bus ${pci.bus} must be slot 1 to 31`);
    return;
  }
  if (!pciControllerIndexes(all, 'pcie-root-port').has(pci.bus)) {
    throw unsupported(`PCI address of ${what} names bus ${pci.bus}, which no pcie-root-port or pcie-to-pci-bridge controller provides`);
  }
  if (pci.slot !== 0) throw unsupported(`PCI address of ${what} on the pcie-root-port bus ${pci.bus} must be slot 0`);
}

/**
 * A pcie-to-pci-bridge plugs into a pcie-root-port only; libvirt refuses any other bus
 * (virDomainPCIAddressFlagsCompatible) with this error.
 */
export function checkBridgeBus(el: XmlElement, all: readonly XmlElement[], what: string): void {
  const pci = pciAddressOf(el, what);
  if (!pci || pciControllerIndexes(all, 'pcie-root-port').has(pci.bus)) return;
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  throw VirError.report(
    ErrorNumber.XmlError,
    ErrorDomain.Domain,
    `The device at PCI address 0000:${hex(pci.bus, 2)}:${hex(pci.slot, 2)}.${hex(pci.fn, 1)} cannot be plugged into the PCI controller with index='${pci.bus}'. It requires a controller that accepts a pcie-to-pci-bridge.`,
  );
}

/** QEMU's id of PCI bus `bus`: the machine's root (`pcie.0` on q35, `pci.0` on pc), else the root port or bridge `pci.N`. */
export const pciBusId = (bus: number, pc: boolean): string => (bus === 0 ? (pc ? 'pci.0' : 'pcie.0') : `pci.${bus}`);

/** QEMU's `addr=` of a slot and function: `0x2`, or `0x1.0x2`. */
export const pciAddr = (pci: PciAddress): string => `0x${pci.slot.toString(16)}${pci.fn === 0 ? '' : `.0x${pci.fn.toString(16)}`}`;

/** The `,bus=...,addr=...[,multifunction=on]` a `-device` gets for the element's PCI address; empty without one (QEMU places it). */
export function pciPlacement(el: XmlElement, pc: boolean, what: string): string {
  const pci = pciAddressOf(el, what);
  if (!pci) return '';
  return `,bus=${pciBusId(pci.bus, pc)},addr=${pciAddr(pci)}${pci.multifunction ? ',multifunction=on' : ''}`;
}
