// q35's PCI addresses as libvirt 9.0's qemuDomainAssignPCIAddresses gives them: root ports, pcie-to-pci-bridges for conventional PCI devices, a spare port.
import { element } from '../xml-tree.js';
import type { ControllerSpec, DomainSpec, VideoSpec } from './domain-spec.js';
import { addressHolder, controller, hexAttribute, pci, pciDevices, type PciSlotUser } from './pci-slots.js';

/** Slots of a pcie-to-pci-bridge a device may take (slot 0 is not hot-pluggable; libvirt starts at 1). */
const BRIDGE_SLOTS = 31;

/** A pcie-root-port at 00:slot.fn; its port number is the slot's and function's unless given. */
const rootPort = (index: number, slot: number, fn: number, multifunction: boolean, port = (slot << 3) | fn): ControllerSpec => {
  const spec = controller('pci', index, 'pcie-root-port', [
    element('model', { name: 'pcie-root-port' }),
    element('target', { chassis: String(index), port: `0x${port.toString(16)}` }),
  ]);
  spec.address = pci(0, slot, fn, multifunction);
  return spec;
};

/**
 * q35: the primary video at 00:01.0, SATA at 00:1f.2, and every other PCI device behind a
 * pcie-root-port or on a pcie-to-pci-bridge, as libvirt's two passes place them (see `growBuses`
 * and `placeDevices`). A new definition (no PCI controller but the root) gets one spare root port
 * besides, and its root ports fill the root bus's functions from the first free slot; a definition
 * that has its PCI controllers already (a dumped one defined again with more devices) gets no spare
 * port, and its new ports go at the functions after its last root port's, with port numbers after
 * its highest.
 */
export function assignQ35Addresses(spec: DomainSpec, video: VideoSpec | undefined): void {
  if (video) video.address ??= pci(0, 1);
  const sata = spec.devices.find((d) => d.kind === 'controller' && d.type === 'sata' && d.index === 0);
  if (sata && sata.kind === 'controller') sata.address ??= pci(0, 0x1f, 2);
  const devices = pciDevices(spec).filter((d) => !d.holder.address);
  const pciControllers = spec.devices.filter((d): d is ControllerSpec => d.kind === 'controller' && d.type === 'pci');
  const rootPorts = pciControllers.filter((c) => c.model === 'pcie-root-port');
  const bridges = pciControllers.filter((c) => c.model === 'pcie-to-pci-bridge').sort((a, b) => a.index - b.index);
  const fresh = rootPorts.length === 0 && bridges.length === 0;
  const used = usedSlots(spec);
  const freePorts = rootPorts.filter((p) => !used.has(p.index)).sort((a, b) => a.index - b.index);
  const bridgeSlotsFree = bridges.reduce((n, b) => n + BRIDGE_SLOTS - (used.get(b.index)?.size ?? 0), 0);
  const grown = growBuses(devices, freePorts.length, bridgeSlotsFree, Math.max(0, ...pciControllers.map((c) => c.index)) + 1, fresh);
  const newPorts: ControllerSpec[] = [];
  if (fresh) {
    const firstSlot = video ? 2 : 1;
    const count = grown.ports.length;
    grown.ports.forEach((index, k) => newPorts.push(rootPort(index, firstSlot + Math.floor(k / 8), k % 8, k % 8 === 0 && count > 1)));
  } else {
    let position = Math.max(
      0,
      ...rootPorts.filter((p) => hexAttribute(p.address, 'bus') === 0).map((p) => hexAttribute(p.address, 'slot') * 8 + hexAttribute(p.address, 'function')),
    );
    let port = Math.max(0, ...rootPorts.map((p) => Number(p.children.find((c) => c.name === 'target')?.attributes.get('port') ?? 0)));
    for (const index of grown.ports) {
      position++;
      newPorts.push(rootPort(index, Math.floor(position / 8), position % 8, false, ++port));
    }
  }
  const newBridges = grown.bridges.map((index) => controller('pci', index, 'pcie-to-pci-bridge', [element('model', { name: 'pcie-pci-bridge' })]));
  spec.devices.push(...[...newPorts, ...newBridges].sort((a, b) => a.index - b.index));
  placeDevices(devices, [...freePorts, ...newPorts], [...bridges, ...newBridges], newBridges, used);
}

/** The slots in use on each bus but the root, by bus index. */
function usedSlots(spec: DomainSpec): Map<number, Set<number>> {
  const used = new Map<number, Set<number>>();
  for (const d of spec.devices) {
    const address = 'address' in d ? d.address : d.kind === 'other' ? addressHolder(d).address : undefined;
    if (address?.type !== 'pci') continue;
    const bus = hexAttribute(address, 'bus');
    if (bus !== 0) used.set(bus, (used.get(bus) ?? new Set()).add(hexAttribute(address, 'slot')));
  }
  return used;
}

/**
 * libvirt's first pass (qemuDomainPCIAddressSetCreate with dryRun, virDomainPCIAddressSetGrow): the
 * controllers it adds, in index order from `nextIndex`. A PCI Express device takes a free root port
 * or adds one; a conventional one takes a free bridge slot or adds a root port and a bridge; a new
 * definition then gets one spare root port.
 */
function growBuses(
  devices: PciSlotUser[],
  freePorts: number,
  bridgeSlotsFree: number,
  nextIndex: number,
  spare: boolean,
): { ports: number[]; bridges: number[] } {
  const ports: number[] = [];
  const bridges: number[] = [];
  let portsLeft = freePorts;
  let slotsLeft = bridgeSlotsFree;
  for (const device of devices) {
    if (device.express) {
      if (portsLeft > 0) portsLeft--;
      else ports.push(nextIndex++);
    } else {
      if (slotsLeft === 0) {
        ports.push(nextIndex++);
        bridges.push(nextIndex++);
        slotsLeft = BRIDGE_SLOTS;
      }
      slotsLeft--;
    }
  }
  if (spare && ports.length + bridges.length > 0) ports.push(nextIndex);
  return { ports, bridges };
}

/**
 * libvirt's second pass (qemuDomainAssignDevicePCISlots): the new bridges first, each in slot 0 of
 * the free root port with the lowest index; then each PCI Express device in the next free root port,
 * each conventional one in the first free slot (from 1) of the first bridge that has one.
 */
function placeDevices(
  devices: PciSlotUser[],
  freePorts: ControllerSpec[],
  bridges: ControllerSpec[],
  newBridges: ControllerSpec[],
  used: Map<number, Set<number>>,
): void {
  const ports = [...freePorts].sort((a, b) => a.index - b.index);
  for (const bridge of newBridges) bridge.address = pci(ports.shift()!.index, 0);
  for (const device of devices) {
    if (device.express) {
      device.holder.address = pci(ports.shift()!.index, 0);
      continue;
    }
    const bridge = bridges.find((b) => (used.get(b.index)?.size ?? 0) < BRIDGE_SLOTS)!;
    const slots = used.get(bridge.index) ?? new Set<number>();
    let slot = 1;
    while (slots.has(slot)) slot++;
    used.set(bridge.index, slots.add(slot));
    device.holder.address = pci(bridge.index, slot);
  }
}
