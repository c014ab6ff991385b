// What libvirt 9.0's QEMU driver adds to an x86_64 definition: implicit devices and controllers, and PCI addresses as it assigns them.
import { element, textOf, type XmlElement } from '../xml-tree.js';
import type { DriverDefaults } from './domain-defaults.js';
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import type { CharDeviceSpec, ControllerSpec, DeviceSpec, DiskSpec, DomainSpec, VideoSpec } from './domain-spec.js';
import { addressHolder, controller, dropEmptyPciAddresses, hexAttribute, markMultifunctionSlots, pci, pciDevices } from './pci-slots.js';
import { assignQ35Addresses } from './q35-addresses.js';

/** Facts about the host's QEMU the defaults depend on. */
export interface QemuHostFacts {
  /** `<emulator>`: the QEMU binary, e.g. `/usr/bin/qemu-system-x86_64`. */
  emulator: string;
  /** Machine aliases and their versioned names, e.g. `q35` -> `pc-q35-7.2` (from `-machine help`). */
  machineAliases: ReadonlyMap<string, string>;
}

const other = (el: XmlElement): DeviceSpec => ({ kind: 'other', element: el });
const isOther = (d: DeviceSpec, name: string): d is { kind: 'other'; element: XmlElement } => d.kind === 'other' && d.element.name === name;

/** The QEMU driver's defaults for a host with these facts (libvirt's qemuDomainDefPostParse and qemuDomainAssignAddresses). */
export function qemuDriverDefaults(host: QemuHostFacts): DriverDefaults {
  return {
    defaultArch: () => 'x86_64',
    serialTarget: 'isa-serial',
    assignDriveAddresses: true,
    qxlVgamem: true,
    // VIR_DOMAIN_DEF_FEATURE_DISK_FD: libvirt's QEMU driver parses `fdgroup` (a driver that cannot pass descriptors refuses it itself)
    diskFdPassing: true,
    firmwareFeaturesNeedAutoselection: true,
    addDefaultDevices: addDefaultControllers,
    finish: (spec) => finishQemu(spec, host),
  };
}

function finishQemu(spec: DomainSpec, host: QemuHostFacts): void {
  const machine = spec.os.machine ?? 'pc';
  spec.os.machine = host.machineAliases.get(machine) ?? machine;
  const q35 = isQ35(spec.os.machine);
  spec.emulator ??= host.emulator;
  defaultCpu(spec);
  for (const disk of spec.devices.filter((d): d is DiskSpec => d.kind === 'disk')) {
    const driver = disk.driver ?? new Map<string, string>();
    disk.driver = new Map([
      ['name', driver.get('name') ?? 'qemu'],
      ['type', driver.get('type') ?? 'raw'],
      ...[...driver].filter(([k]) => k !== 'name' && k !== 'type'),
    ]);
  }
  // qemuDomainDeviceNetDefPostParse (qemuDomainDefaultNetModel on x86 with QEMU's rtl8139): a NIC without a model
  for (const d of spec.devices) {
    if (d.kind === 'interface' && d.model === undefined && d.type !== 'hostdev') d.model = d.type === 'vdpa' ? 'virtio' : 'rtl8139';
  }
  for (const d of spec.devices) if (d.kind === 'channel') dropDefaultChannelPath(d);
  implicitInputs(spec);
  const graphics = spec.devices.filter((d) => d.kind === 'graphics');
  if (!spec.devices.some((d) => isOther(d, 'audio')) && !graphics.some((g) => g.kind === 'graphics' && g.type === 'sdl')) {
    const spice = graphics.some((g) => g.kind === 'graphics' && g.type === 'spice');
    spec.devices.push(other(element('audio', { id: '1', type: spice ? 'spice' : 'none' })));
  }
  if (!spec.devices.some((d) => isOther(d, 'memballoon'))) spec.devices.push(other(element('memballoon', { model: 'virtio' })));
  virtioSerialAddresses(spec);
  dropEmptyPciAddresses(spec);
  if (q35) assignQ35Addresses(spec, primaryVideo(spec));
  else assignI440fxAddresses(spec);
  markMultifunctionSlots(spec);
}

/**
 * qemuDomainDefSetDefaultCPU: a guest without a CPU model (no `<cpu>`, or a custom one with only a
 * topology) gets the machine's default, qemu64 (qemu32 for i686), KVM's as TCG's (QEMU 7.2 reports
 * the same default CPU type for both accelerators); then qemuDomainDefCPUPostParse: host-passthrough
 * is migratable unless it says otherwise (QEMU_CAPS_CPU_MIGRATABLE), and the check is none for
 * host-passthrough, maximum and TCG's custom CPUs, partial for host-model and other custom ones.
 */
function defaultCpu(spec: DomainSpec): void {
  let cpu = spec.extra.get('cpu')?.[0];
  const mode = cpu?.attributes.get('mode') ?? 'custom';
  const hasModel = cpu?.children.some((c) => typeof c !== 'string' && c.name === 'model' && textOf(c).trim() !== '') ?? false;
  if (mode === 'custom' && !hasModel) {
    const model = element('model', { fallback: 'forbid' }, [spec.os.arch === 'i686' ? 'qemu32' : 'qemu64']);
    const rest = (cpu?.children ?? []).filter((c) => typeof c !== 'string' && c.name !== 'model');
    cpu = element('cpu', { mode: 'custom', match: 'exact', check: 'none' }, [model, ...rest]);
    spec.extra.set('cpu', [cpu]);
    return;
  }
  if (!cpu) return;
  const attributes = new Map(cpu.attributes);
  if (!attributes.has('check')) {
    const check = mode === 'host-passthrough' || mode === 'maximum' || (mode === 'custom' && spec.type === 'qemu') ? 'none' : 'partial';
    if (mode === 'custom') {
      attributes.set('mode', 'custom');
      if (!attributes.has('match')) attributes.set('match', 'exact');
    }
    attributes.set('check', check);
  }
  // written after check, as virCPUDefFormatBufFull does
  const migratable = attributes.get('migratable') ?? (mode === 'host-passthrough' ? 'on' : undefined);
  attributes.delete('migratable');
  if (migratable !== undefined) attributes.set('migratable', migratable);
  spec.extra.set('cpu', [{ ...cpu, attributes }]);
}

/** q35 (rather than i440fx) by `<type machine>` before or after its alias is resolved; pc when none is given. */
const isQ35 = (machine: string | undefined) => machine !== undefined && (machine === 'q35' || machine.startsWith('pc-q35'));

/**
 * qemuDomainDefAddDefaultDevices for x86 pc and q35: a USB controller (qemu-xhci on q35, piix3-uhci
 * on pc), q35's SATA controller and the PCI root, each unless the definition has one, after all the
 * other controllers (virDomainDefAddController appends it; only parsing sorts controllers by type
 * and index, so a redefined dump has them in another order, as libvirt's has).
 */
function addDefaultControllers(spec: DomainSpec): void {
  const q35 = isQ35(spec.os.machine);
  const add = (type: string, model?: string) => {
    if (spec.devices.some((d) => d.kind === 'controller' && d.type === type && d.index === 0)) return;
    const last = spec.devices.map((d) => d.kind).lastIndexOf('controller');
    spec.devices.splice(last === -1 ? spec.devices.length : last + 1, 0, controller(type, 0, model));
  };
  add('usb', q35 ? 'qemu-xhci' : 'piix3-uhci');
  // qemuDomainControllerDefPostParse: a given USB controller without a model is piix3-uhci on x86, q35 too
  for (const d of spec.devices) if (d.kind === 'controller' && d.type === 'usb' && d.model === undefined) d.model = 'piix3-uhci';
  if (q35) add('sata');
  add('pci', q35 ? 'pcie-root' : 'pci-root');
}

/**
 * A PS/2 mouse and keyboard unless the definition has them (virDomainDefMaybeAddInput for each, after
 * the given inputs), and a USB address for each USB input that lacks one: bus 0, the next free port
 * (qemuDomainAssignUSBAddresses).
 */
function implicitInputs(spec: DomainSpec): void {
  const inputs = spec.devices.filter((d): d is { kind: 'other'; element: XmlElement } => isOther(d, 'input'));
  const has = (type: string) => inputs.some((d) => d.element.attributes.get('type') === type && d.element.attributes.get('bus') === 'ps2');
  const added = (['mouse', 'keyboard'] as const).filter((type) => !has(type)).map((type) => other(element('input', { type, bus: 'ps2' })));
  const last = inputs.length > 0 ? spec.devices.indexOf(inputs[inputs.length - 1]!) + 1 : spec.devices.length;
  spec.devices.splice(last, 0, ...added);
  const usb = inputs.filter((d) => d.element.attributes.get('bus') === 'usb');
  const taken = new Set(
    usb
      .map((d) => addressHolder(d).address)
      .filter((a) => a?.type === 'usb')
      .map((a) => a!.attributes.get('port')),
  );
  let port = 1;
  for (const device of usb) {
    const holder = addressHolder(device);
    if (holder.address) continue;
    while (taken.has(String(port))) port++;
    taken.add(String(port));
    holder.address = {
      type: 'usb',
      attributes: new Map([
        ['bus', '0'],
        ['port', String(port)],
      ]),
    };
  }
}

function virtioSerialAddresses(spec: DomainSpec): void {
  let port = 1;
  for (const device of spec.devices) {
    if (device.kind !== 'channel' || (device.target.get('type') ?? 'virtio') !== 'virtio') continue;
    device.target = new Map([['type', 'virtio'], ...[...device.target].filter(([k]) => k !== 'type')]);
    device.address ??= {
      type: 'virtio-serial',
      attributes: new Map([
        ['controller', '0'],
        ['bus', '0'],
        ['port', String(port++)],
      ]),
    };
  }
}

/**
 * qemuDomainChrDefDropDefaultPath: a virtio channel's unix socket path that looks generated (its
 * regular expression's second branch, unanchored: `domain-<anything>/<target name>` at the end) is
 * dropped, and the driver picks the socket again. The first branch names libvirt's own channel
 * directory, which virtwired does not have (its sockets are under its runtime directory).
 */
function dropDefaultChannelPath(channel: CharDeviceSpec): void {
  const name = channel.target.get('name');
  const path = channel.source?.get('path');
  if (channel.type !== 'unix' || channel.target.get('type') !== 'virtio' || name === undefined || path === undefined) return;
  if (!path.endsWith(name) || !/domain-[^/]+\/$/.test(path.slice(0, path.length - name.length))) return;
  channel.source!.delete('path');
  channel.sourceElements = channel.sourceElements
    ?.map((el) => (el.name === 'source' ? { ...el, attributes: new Map([...el.attributes].filter(([k]) => k !== 'path')) } : el))
    .filter((el) => el.name !== 'source' || el.children.length > 0);
}

/** The video card on a PCI slot of its own: not `none`, and not ramfb (a platform device, qemuDomainDeviceCalculatePCIConnectFlags). */
function primaryVideo(spec: DomainSpec): VideoSpec | undefined {
  return spec.devices.find((d): d is VideoSpec => d.kind === 'video' && d.model.get('type') !== 'none' && d.model.get('type') !== 'ramfb');
}

/**
 * i440fx: IDE and USB on the PIIX3 (00:01.1, 00:01.2), the primary video at slot 2, the rest on the
 * next slots no device of the definition has taken (a dumped definition defined again with more
 * devices keeps its addresses).
 */
function assignI440fxAddresses(spec: DomainSpec): void {
  // qemuDomainValidateDevicePCISlotsPIIX3: the first IDE and PIIX3 USB controllers are the PIIX3's functions
  // (on an x86 i440fx machine, qemuDomainIsI440FX; other architectures the driver refuses later)
  const machine = spec.os.machine ?? '';
  const i440fx = (spec.os.arch === 'x86_64' || spec.os.arch === 'i686') && (machine === 'pc' || /^pc-(i440fx-|0\.|1\.)/.test(machine));
  const piix3 = (device: ControllerSpec, fn: number, message: string) => {
    const at = device.address;
    if (!at) device.address = pci(0, 1, fn);
    else if (i440fx && at.type === 'pci' && ['domain', 'bus', 'slot', 'function'].some((name, k) => hexAttribute(at, name) !== [0, 0, 1, fn][k])) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, message);
    }
  };
  for (const device of spec.devices) {
    if (device.kind !== 'controller' || device.index !== 0) continue;
    if (device.type === 'ide') piix3(device, 1, 'Primary IDE controller must have PCI address 0:0:1.1');
    if (device.type === 'usb' && device.model === 'piix3-uhci') piix3(device, 2, 'PIIX3 USB controller at index 0 must have PCI address 0:0:1.2');
  }
  const taken = new Set<number>();
  for (const d of spec.devices) {
    const address = 'address' in d ? d.address : d.kind === 'other' ? addressHolder(d).address : undefined;
    if (address?.type === 'pci' && hexAttribute(address, 'bus') === 0) taken.add(hexAttribute(address, 'slot'));
  }
  let slot = 2;
  const nextSlot = () => {
    while (taken.has(slot)) slot++;
    taken.add(slot);
    return slot;
  };
  const video = primaryVideo(spec);
  if (video && !video.address) video.address = pci(0, nextSlot());
  for (const { holder } of pciDevices(spec)) if (!holder.address) holder.address = pci(0, nextSlot());
}
