// The subset of libvirt domain XML the qemu driver runs: checked at define time and turned into a QEMU command line.
import { ErrorDomain } from '@virtwire/protocol';
import { childElement, childElements, childText, element, type DomainDefinition, type DomainDisk } from '@virtwire/protocol/xml';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { checkDomainName } from '../common/object-names.js';
import { assertDiskTarget, type DiskDevice, type DiskSpec, type GuestSpec } from './engine/index.js';
import { declaredChain, diskElement, resolveChain, type ImageChain } from './disk-chain.js';
import type { ConfinementPolicy } from '../../storage/confinement-policy.js';
import { definitionPaths } from '../../storage/definition-paths.js';
import type { QemuImgSettings } from './engine/index.js';
import { checkSupportedXml } from './domain-shape.js';
import { deviceElements, trimmedText } from './device-table.js';
import { checkAddressType, checkPciPlacement, pciAddr, pciAddressOf, pciBusId } from './pci-placement.js';
import { buildGuestArgv, type GuestArgv } from './guest-argv.js';
import { kvmUsable } from './host-acceleration.js';
import { emulatorPath } from './host-domain-defaults.js';
import { checkFirmware, type FirmwareFiles } from './uefi-firmware.js';
import { unsupported } from './xml-shape.js';

/** What the driver's checks need of the host. */
export interface HostFacts {
  /** The QEMU binary the driver runs. */
  qemuBinary: string;
  /** The KVM device (host-acceleration.ts). */
  kvmDevice: string;
}

/** QEMU's bridge helper: attaching a guest to a host bridge needs it set-uid root, or a root daemon. */
const BRIDGE_HELPER = '/usr/lib/qemu/qemu-bridge-helper';

/** True when QEMU may attach this daemon's guests to host bridges. */
export function bridgeAllowed(): boolean {
  if (process.geteuid?.() === 0) return true;
  try {
    const stat = statSync(BRIDGE_HELPER);
    return (stat.mode & 0o4000) !== 0 && stat.uid === 0;
  } catch {
    return false;
  }
}

/** The file a binary name runs (through PATH when it has no slash), resolved; undefined when not found. */
function resolveBinary(binary: string): string | undefined {
  const candidates = binary.includes('/') ? [binary] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync(candidate);
    } catch {
      // next
    }
  }
  return undefined;
}

/** Largest guest memory accepted (KiB). */
const MAX_MEMORY_KIB = 64 * 1024 * 1024;
const MAX_VCPUS = 64;
const MACHINE = /^(q35|pc|pc-q35-\d+\.\d+|pc-i440fx-\d+\.\d+)$/;

/** The bus a disk target implies when `<target bus>` is absent. */
function defaultBus(target: string): string {
  if (target.startsWith('vd')) return 'virtio';
  if (target.startsWith('sd')) return 'sata';
  return 'ide';
}

/** The machine type of `<os><type machine>`, default q35. */
export function machineOf(definition: DomainDefinition): string {
  const os = childElement(definition.tree, 'os');
  return (os && childElement(os, 'type')?.attributes.get('machine')) ?? 'q35';
}

/**
 * Checks that a definition stays within what this driver runs: `type='qemu'`, hvm x86_64 on q35 or
 * pc, bounded memory and vCPUs, and file disks (qcow2 or raw) or CD-ROMs on virtio, SATA or IDE.
 */
export function checkDomainConfig(definition: DomainDefinition, host: HostFacts): void {
  checkDomainName(definition.name);
  checkVirtType(definition, host);
  checkSupportedXml(definition, { pc: isPcMachine(definition), bridgeAllowed: bridgeAllowed() });
  checkFirmware(definition);
  checkUefiAcpi(definition);
  const emulator = trimmedText(childElement(childElement(definition.tree, 'devices') ?? definition.tree, 'emulator'));
  if (emulator !== undefined && emulator !== host.qemuBinary && resolveBinary(emulator) !== resolveBinary(host.qemuBinary)) {
    throw unsupported(`<emulator> '${emulator}' is not the daemon's QEMU ('${host.qemuBinary}')`);
  }
  const os = childElement(definition.tree, 'os');
  const osType = os ? childElement(os, 'type') : undefined;
  const kind = osType ? childText(os!, 'type')?.trim() : 'hvm';
  if (kind !== 'hvm') throw unsupported(`OS type '${kind}' is not supported`);
  const arch = osType?.attributes.get('arch') ?? 'x86_64';
  if (arch !== 'x86_64') throw unsupported(`architecture '${arch}' is not supported`);
  if (!MACHINE.test(machineOf(definition))) throw unsupported(`machine type '${machineOf(definition)}' is not supported`);
  const memory = definition.memoryKiB;
  if (!(memory >= 1024 && memory <= MAX_MEMORY_KIB)) throw unsupported(`memory size ${memory} KiB is outside 1024 to ${MAX_MEMORY_KIB} KiB`);
  if (definition.vcpus > MAX_VCPUS) throw unsupported(`more than ${MAX_VCPUS} vCPUs are not supported`);
  for (const disk of definition.disks()) checkDisk(disk, definition);
  ideSlots(definition);
}

/**
 * qemuValidateDomainDef's first check: the emulator runs `type='qemu'`, and `type='kvm'` only where the
 * KVM device is usable, named by its path as `<emulator>` records it. Before the daemon's own path
 * confinement, as libvirt reports it before any device's.
 */
export function checkVirtType(definition: DomainDefinition, host: HostFacts): void {
  if (definition.type !== 'qemu' && !(definition.type === 'kvm' && kvmUsable(host.kvmDevice))) {
    throw unsupported(`Emulator '${emulatorPath(host.qemuBinary)}' does not support virt type '${definition.type}'`);
  }
}

/** qemuValidateDomainDef: on x86, UEFI (`firmware='efi'` or a pflash loader) requires `<features><acpi/>`. */
function checkUefiAcpi(definition: DomainDefinition): void {
  const os = childElement(definition.tree, 'os');
  const uefi = os !== undefined && (os.attributes.get('firmware') === 'efi' || childElement(os, 'loader')?.attributes.get('type') === 'pflash');
  const features = childElement(definition.tree, 'features');
  const acpi = features ? childElement(features, 'acpi') : undefined;
  if (uefi && (!acpi || (acpi.attributes.get('state') ?? 'on') !== 'on')) throw unsupported('UEFI requires ACPI on this architecture');
}

function checkDisk(disk: DomainDisk, definition: DomainDefinition): void {
  // qemuValidateDomainDeviceDefDiskFrontend (virDiskNameParse): a target names a disk, never a partition
  if (/^[a-z]+\d+$/.test(disk.target)) throw unsupported(`invalid disk target '${disk.target}', partitions can't appear in disk targets`);
  try {
    assertDiskTarget(disk.target);
  } catch {
    throw unsupported(`disk target '${disk.target}' is not supported`);
  }
  if (disk.type !== 'file') throw unsupported(`disk type '${disk.type}' of disk '${disk.target}' is not supported`);
  if (disk.device !== 'disk' && disk.device !== 'cdrom') throw unsupported(`disk device '${disk.device}' of disk '${disk.target}' is not supported`);
  const format = disk.format ?? 'raw';
  if (format !== 'qcow2' && format !== 'raw') throw unsupported(`disk format '${format}' of disk '${disk.target}' is not supported`);
  const bus = disk.bus ?? defaultBus(disk.target);
  if (bus !== 'virtio' && bus !== 'sata' && bus !== 'ide') throw unsupported(`disk bus '${bus}' of disk '${disk.target}' is not supported`);
  const el = diskElement(definition, disk.target);
  if (bus === 'virtio') {
    if (disk.device === 'cdrom') throw unsupported(`disk device 'cdrom' of disk '${disk.target}' cannot use bus 'virtio'`);
    checkPciPlacement(el, deviceElements(childElement(definition.tree, 'devices')), `virtio disk '${disk.target}'`);
    return checkDiskSource(disk, definition);
  }
  const address = checkAddressType(el, 'drive', `disk '${disk.target}'`);
  if (address && !driveAddressMatches(address.attributes, disk.target, bus)) {
    throw unsupported(`drive <address> of disk '${disk.target}' must be the one its target implies on the ${bus.toUpperCase()} controller`);
  }
  checkDiskSource(disk, definition);
}

function checkDiskSource(disk: DomainDisk, definition: DomainDefinition): void {
  if (disk.device === 'disk' && disk.source === undefined) throw unsupported(`disk '${disk.target}' has no source`);
  if (disk.source !== undefined && !disk.source.startsWith('/')) throw unsupported(`disk source '${disk.source}' of disk '${disk.target}' must be absolute`);
  const chain = declaredChain(diskElement(definition, disk.target));
  for (const layer of chain ?? []) {
    if (!layer.path.startsWith('/')) throw unsupported(`backing image '${layer.path}' of disk '${disk.target}' must be absolute`);
  }
}

/** libvirt's drive address for a target (virDomainDiskDefAssignAddress): SATA bus 0 unit = index; IDE bus = index/2, unit = index%2. */
function driveAddressMatches(address: ReadonlyMap<string, string>, target: string, bus: string): boolean {
  const index = target.charCodeAt(2) - 97;
  const expected = bus === 'ide' ? { bus: Math.floor(index / 2), unit: index % 2 } : { bus: 0, unit: index };
  return Number(address.get('bus') ?? 0) === expected.bus && Number(address.get('unit') ?? 0) === expected.unit;
}

/** True for i440fx machines (`pc`, `pc-i440fx-*`). */
export function isPcMachine(definition: DomainDefinition): boolean {
  return machineOf(definition).startsWith('pc') && !machineOf(definition).startsWith('pc-q35');
}

/** The IDE/SATA controller slot of each non-virtio disk: q35 AHCI ports ide.0-5, pc IDE buses ide.0-1 with units 0-1. */
function ideSlots(definition: DomainDefinition): Map<string, DiskDevice> {
  const pc = isPcMachine(definition);
  const slots = new Map<string, DiskDevice>();
  const used = new Set<string>();
  for (const disk of definition.disks()) {
    const bus = disk.bus ?? defaultBus(disk.target);
    if (bus === 'virtio') continue;
    const index = disk.target.charCodeAt(2) - 97;
    const model = disk.device === 'cdrom' ? 'ide-cd' : 'ide-hd';
    const slot: DiskDevice = pc ? { model, bus: `ide.${Math.floor(index / 2)}`, unit: index % 2 } : { model, bus: `ide.${index}` };
    const key = `${slot.bus}:${slot.unit ?? 0}`;
    if (!(index >= 0 && index < (pc ? 4 : 6)) || disk.target.length !== 3 || used.has(key)) {
      throw unsupported(`disk '${disk.target}' does not fit on the ${pc ? 'IDE' : 'SATA'} controller of machine '${machineOf(definition)}'`);
    }
    used.add(key);
    slots.set(disk.target, slot);
  }
  return slots;
}

/** A disk's chain as QEMU will open it; CD-ROMs without media have none. */
export interface ResolvedDisk {
  disk: DomainDisk;
  chain: ImageChain;
}

/**
 * Resolves every disk's image chain (declared or probed), each image confined by the daemon's
 * policy before it is opened: the top one as the disk's kind, the rest as backing images. Every
 * image must exist as a regular file.
 */
export async function resolveDisks(definition: DomainDefinition, settings: QemuImgSettings, confinement: ConfinementPolicy): Promise<ResolvedDisk[]> {
  return Promise.all(
    definition.disks().map(async (disk) => ({
      disk,
      chain: disk.source === undefined ? [] : await resolveChain(diskElement(definition, disk.target), settings, diskConfinement(disk, confinement)),
    })),
  );
}

/** How each image of `disk`'s chain is confined before it is opened. */
export function diskConfinement(disk: DomainDisk, confinement: ConfinementPolicy) {
  return (path: string, role: 'top' | 'backing') => {
    const kind = role === 'backing' ? 'backing' : disk.device === 'cdrom' || disk.device === 'floppy' ? 'cdrom' : 'disk';
    confinement.existing(path, kind, ErrorDomain.Qemu);
  };
}

/** How a guest is launched besides its definition. */
export interface LaunchFacts {
  accel: 'kvm' | 'tcg';
  /** The guest's runtime directory. */
  runDir: string;
  firmware?: FirmwareFiles;
}

/**
 * The engine's guest description: guest name = UUID (always a safe QEMU `-name`), disks with
 * explicit chains, and every other accepted element as arguments (guest-argv.ts); with the QMP
 * commands to run before the guest's vCPUs start.
 */
export function guestSpec(definition: DomainDefinition, disks: readonly ResolvedDisk[], facts: LaunchFacts): GuestSpec & { prelaunch: GuestArgv['prelaunch'] } {
  const slots = ideSlots(definition);
  const specs: DiskSpec[] = [];
  const pc = isPcMachine(definition);
  const built = buildGuestArgv(definition, { pc, runDir: facts.runDir, ...(facts.firmware ? { firmware: facts.firmware } : {}) });
  const extraArgs = [...built.args];
  for (const { disk, chain } of disks) {
    const [top, ...below] = chain;
    const device = slots.get(disk.target);
    if (!top) {
      extraArgs.push('-device', `ide-cd,bus=${device!.bus}${device!.unit === undefined ? '' : `,unit=${device!.unit}`},id=${disk.target}`);
      continue;
    }
    const spec: DiskSpec = { target: disk.target, path: top.path, format: top.format, readOnly: disk.readOnly || disk.device === 'cdrom', backingChain: below };
    if (device) spec.device = device;
    const pci = device ? undefined : pciAddressOf(diskElement(definition, disk.target), `virtio disk '${disk.target}'`);
    if (pci) spec.device = { model: 'virtio-blk-pci', bus: pciBusId(pci.bus, pc), addr: pciAddr(pci), ...(pci.multifunction ? { multifunction: true } : {}) };
    specs.push(spec);
  }
  return {
    name: definition.uuid,
    uuid: definition.uuid,
    machine: [machineOf(definition), ...built.machineOptions].join(','),
    accel: facts.accel,
    memoryMiB: Math.max(1, Math.ceil(definition.memoryKiB / 1024)),
    disks: specs,
    leadingArgs: built.leadingArgs,
    extraArgs,
    prelaunch: built.prelaunch,
  };
}

/** Gives each `<interface>` without a `<mac>` one in QEMU's range 52:54:00 (libvirt's virDomainNetGenerateMAC), first in the element. */
export function assignMacAddresses(definition: DomainDefinition): void {
  const devices = childElement(definition.tree, 'devices');
  for (const nic of devices ? childElements(devices, 'interface') : []) {
    if (childElement(nic, 'mac')) continue;
    const bytes = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
    nic.children.unshift(element('mac', { address: `52:54:00:${bytes.join(':')}` }));
  }
}

/**
 * Right before QEMU opens them: boot files must exist below a storage root as regular files (no
 * symbolic link), and the sockets QEMU creates for serial ports, consoles, channels and VNC must
 * go below one. Disks are confined as their chains resolve, firmware in uefi-firmware.ts.
 */
export function confineLaunchPaths(definition: DomainDefinition, confinement: ConfinementPolicy): void {
  for (const { path, kind } of definitionPaths(definition)) {
    if (kind === 'kernel' || kind === 'initrd' || kind === 'dtb') confinement.existing(path, kind, ErrorDomain.Qemu);
    else if (kind === 'chardev') confinement.creatable(path, kind, ErrorDomain.Qemu);
  }
}
