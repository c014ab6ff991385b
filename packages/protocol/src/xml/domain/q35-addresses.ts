// q35's PCI addresses as libvirt 9.0's qemuDomainAssignPCIAddresses gives them: root ports, pcie-to-pci-bridges for conventional PCI devices, a spare port.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { element } from '../xml-tree.js';
import type { ControllerSpec, DomainSpec, VideoSpec } from './domain-spec.js';
import { addressOf, controller, hexAttribute, pci, pciDevices, type PciSlotUser } from './pci-slots.js';

/** Slots of a pcie-to-pci-bridge a device may take (slot 0 is not hot-pluggable; libvirt starts at 1). */
const BRIDGE_SLOTS = 31;

const isPci = (d: DomainSpec['devices'][number], model?: string): d is ControllerSpec =>
  d.kind === 'controller' && d.type === 'pci' && (model === undefined || d.model === model);

/**
 * q35: the primary video at 00:01.0, SATA at 00:1f.2, and every other PCI device behind a
 * pcie-root-port or on a pcie-to-pci-bridge, as libvirt's two passes place them (see `growBuses`
 * and `placeDevices`). A bus index below the highest PCI controller's that no controller has
 * becomes a pcie-root-port; a new definition (no PCI controller but the root) gets one spare root
 * port besides. Root ports without an address take root-bus functions as `rootBusAddresses` finds
 * them, the user's first (in their order), then the added ones (in index order, after all the
 * other controllers, as virDomainDefAddController appends them).
 */
export function assignQ35Addresses(spec: DomainSpec, video: VideoSpec | undefined): void {
  if (video) video.address ??= pci(0, 1);
  const sata = spec.devices.find((d) => d.kind === 'controller' && d.type === 'sata' && d.index === 0);
  if (sata && sata.kind === 'controller') sata.address ??= pci(0, 0x1f, 2);
  const devices = pciDevices(spec).filter((d) => !d.holder.address);
  const pciControllers = spec.devices.filter((d): d is ControllerSpec => isPci(d));
  const maxIndex = Math.max(0, ...pciControllers.map((c) => c.index));
  const named = busesForAddresses(
    spec,
    maxIndex + 1,
    pciControllers.some((c) => c.model === 'pcie-to-pci-bridge'),
  );
  // qemuDomainAssignPCIAddresses: every bus up to the highest index gets a controller (a root port on q35)
  const missing: number[] = [];
  for (let index = 1; index < maxIndex; index++) if (!pciControllers.some((c) => c.index === index)) missing.push(index);
  const rootPorts = pciControllers.filter((c) => c.model === 'pcie-root-port');
  const bridges = pciControllers.filter((c) => c.model === 'pcie-to-pci-bridge').sort((a, b) => a.index - b.index);
  const unplacedBridges = bridges.filter((b) => !b.address);
  const used = usedSlots(spec);
  const freePorts = [...rootPorts.map((p) => p.index), ...missing, ...named.ports].filter((index) => !used.has(index)).sort((a, b) => a - b);
  if (unplacedBridges.length > freePorts.length) {
    // virDomainPCIAddressSetGrow: a pcie-to-pci-bridge's root port is not added for it
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'Cannot automatically add a new PCI bus for a device with connect flags 2000');
  }
  const namedBridges = named.bridges.map((index) => controller('pci', index, 'pcie-to-pci-bridge', [element('model', { name: 'pcie-pci-bridge' })]));
  const allBridges = [...bridges, ...namedBridges];
  const bridgeSlotsFree = allBridges.reduce((n, b) => n + BRIDGE_SLOTS - (used.get(b.index)?.size ?? 0), 0);
  const grown = growBuses(devices, freePorts.length - unplacedBridges.length, bridgeSlotsFree, named.next);
  // the spare root port of a definition that named no PCI controller, when none is left empty
  const spare = maxIndex === 0 && named.next + grown.ports.length + grown.bridges.length > maxIndex + 1 && grown.portsLeft === 0;
  if (spare) grown.ports.push(named.next + grown.ports.length + grown.bridges.length);
  const newBridges = grown.bridges.map((index) => controller('pci', index, 'pcie-to-pci-bridge', [element('model', { name: 'pcie-pci-bridge' })]));
  const added = [
    ...[...missing, ...named.ports, ...named.bridgePorts, ...grown.ports].map((index) => controller('pci', index, 'pcie-root-port')),
    ...namedBridges,
    ...named.pciBridges.map((index) =>
      controller('pci', index, 'pci-bridge', [element('model', { name: 'pci-bridge' }), element('target', { chassisNr: String(index) })]),
    ),
    ...newBridges,
  ].sort((a, b) => a.index - b.index);
  spec.devices.splice(lastControllerAt(spec) + 1, 0, ...added);
  namedBridges.forEach((bridge, k) => (bridge.address = pci(named.bridgePorts[k]!, 0)));
  const ports = [...freePorts, ...grown.ports].sort((a, b) => a - b);
  placeDevices(
    devices,
    ports,
    [...unplacedBridges, ...newBridges],
    [...allBridges, ...newBridges].sort((a, b) => a.index - b.index),
    used,
  );
  rootBusAddresses(spec, [...rootPorts.filter((p) => !p.address), ...added.filter((c) => c.model === 'pcie-root-port')]);
  for (const port of [...rootPorts, ...added.filter((c) => c.model === 'pcie-root-port')]) completeRootPort(port);
  // qemuDomainAssignPCIAddresses: a pcie-to-pci-bridge's <model name> is its QEMU device's
  for (const bridge of allBridges) {
    if (!bridge.children.some((c) => c.name === 'model')) bridge.children = [element('model', { name: 'pcie-pci-bridge' }), ...bridge.children];
  }
}

/**
 * libvirt's first pass reserving the addresses a definition gives (virDomainPCIAddressSetGrow): a
 * device whose address names a bus past the last one adds buses up to it, root ports for a PCI
 * Express device; for a conventional one, a root port and a pcie-to-pci-bridge on it first (unless
 * the definition has a bridge; with a single bus to add, the device moves to the bridge's bus), and
 * pci-bridges for the rest.
 */
function busesForAddresses(
  spec: DomainSpec,
  nbuses: number,
  hasBridge: boolean,
): { ports: number[]; bridgePorts: number[]; bridges: number[]; pciBridges: number[]; next: number } {
  const out = { ports: [] as number[], bridgePorts: [] as number[], bridges: [] as number[], pciBridges: [] as number[], next: nbuses };
  // qemuDomainDeviceCalculatePCIConnectFlags: virtio and bochs video are PCI Express devices, the others conventional
  const videos = spec.devices.flatMap((d) => (d.kind === 'video' ? [{ holder: d, express: ['virtio', 'bochs'].includes(d.model.get('type') ?? '') }] : []));
  for (const { holder, express } of [...pciDevices(spec), ...videos]) {
    const address = holder.address;
    if (address?.type !== 'pci') continue;
    let bus = hexAttribute(address, 'bus');
    if (bus < out.next) continue;
    if (express) {
      while (out.next <= bus) out.ports.push(out.next++);
      continue;
    }
    if (!hasBridge) {
      if (bus === out.next) {
        bus++;
        holder.address = {
          ...address,
          attributes: new Map([...address.attributes].map(([k, v]) => [k, k === 'bus' ? `0x${bus.toString(16).padStart(2, '0')}` : v])),
        };
      }
      out.bridgePorts.push(out.next++);
      out.bridges.push(out.next++);
      hasBridge = true;
    }
    while (out.next <= bus) out.pciBridges.push(out.next++);
  }
  return out;
}

/** Where the next controller goes: after the last one (or at the end). */
function lastControllerAt(spec: DomainSpec): number {
  const at = spec.devices.map((d) => d.kind).lastIndexOf('controller');
  return at === -1 ? spec.devices.length - 1 : at;
}

/**
 * virDomainPCIAddressGetNextAddr on the root bus for each root port in turn: the first slot from 1
 * that is empty (function 0) or holds only root ports (an aggregate slot: its first free function).
 */
function rootBusAddresses(spec: DomainSpec, ports: ControllerSpec[]): void {
  const slots = new Map<number, { functions: Set<number>; aggregate: boolean }>();
  for (const d of spec.devices) {
    const address = addressOf(d);
    if (address?.type !== 'pci' || hexAttribute(address, 'bus') !== 0) continue;
    const slot = slots.get(hexAttribute(address, 'slot')) ?? { functions: new Set<number>(), aggregate: true };
    slot.functions.add(hexAttribute(address, 'function'));
    slot.aggregate &&= isPci(d, 'pcie-root-port');
    slots.set(hexAttribute(address, 'slot'), slot);
  }
  for (const port of ports) {
    let slot = 1;
    let fn = 0;
    for (; slot <= 0x1f; slot++) {
      const taken = slots.get(slot);
      if (!taken) break;
      if (!taken.aggregate) continue;
      fn = [0, 1, 2, 3, 4, 5, 6, 7].find((f) => !taken.functions.has(f)) ?? -1;
      if (fn !== -1) break;
      fn = 0;
    }
    if (slot > 0x1f) {
      throw VirError.report(
        ErrorNumber.InternalError,
        ErrorDomain.Domain,
        "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added",
      );
    }
    const taken = slots.get(slot) ?? { functions: new Set<number>(), aggregate: true };
    taken.functions.add(fn);
    slots.set(slot, taken);
    port.address = pci(0, slot, fn);
  }
}

/**
 * A root port's `<model name>` and `<target>` as qemuDomainAssignPCIAddresses completes them: the
 * model pcie-root-port unless named, the chassis its index, the port its slot and function on the
 * root bus.
 */
function completeRootPort(port: ControllerSpec): void {
  const target = port.children.find((c) => c.name === 'target');
  const attributes = new Map(target?.attributes);
  const chassis = attributes.get('chassis') ?? String(port.index);
  const number = attributes.get('port') ?? `0x${((hexAttribute(port.address, 'slot') << 3) | hexAttribute(port.address, 'function')).toString(16)}`;
  attributes.delete('chassis');
  attributes.delete('port');
  const others = port.children.filter((c) => c.name !== 'model' && c.name !== 'target');
  port.children = [
    port.children.find((c) => c.name === 'model') ?? element('model', { name: 'pcie-root-port' }),
    { name: 'target', attributes: new Map([['chassis', chassis], ['port', number], ...attributes]), children: target?.children ?? [] },
    ...others,
  ];
}

/** The slots in use on each bus but the root, by bus index. */
function usedSlots(spec: DomainSpec): Map<number, Set<number>> {
  const used = new Map<number, Set<number>>();
  for (const d of spec.devices) {
    const address = addressOf(d);
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
 * definition then gets one spare root port (see `assignQ35Addresses`).
 */
function growBuses(
  devices: PciSlotUser[],
  freePorts: number,
  bridgeSlotsFree: number,
  nextIndex: number,
): { ports: number[]; bridges: number[]; portsLeft: number } {
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
  return { ports, bridges, portsLeft };
}

/**
 * libvirt's second pass (qemuDomainAssignDevicePCISlots): the bridges without an address first,
 * each in slot 0 of the free root port with the lowest index; then each PCI Express device in the
 * next free root port, each conventional one in the first free slot (from 1) of the first bridge
 * that has one.
 */
function placeDevices(
  devices: PciSlotUser[],
  freePorts: number[],
  unplacedBridges: ControllerSpec[],
  bridges: ControllerSpec[],
  used: Map<number, Set<number>>,
): void {
  const ports = [...freePorts];
  for (const bridge of unplacedBridges) bridge.address = pci(ports.shift()!, 0);
  for (const device of devices) {
    if (device.express) {
      device.holder.address = pci(ports.shift()!, 0);
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
