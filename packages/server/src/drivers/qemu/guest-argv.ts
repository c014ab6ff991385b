// The QEMU arguments of a definition beyond its disks: CPU, clock, boot, firmware, lifecycle and every device of the device table.
import { childElement, childElements, textOf, type DomainDefinition } from '@virtwire/protocol/xml';
import { DEVICE_TABLE, deviceElements, needsImplicitUsb, needsImplicitVirtioSerial, type DeviceContext } from './device-table.js';
import type { FirmwareFiles } from './uefi-firmware.js';

/** What the arguments depend on besides the definition. */
export interface GuestArgvInput {
  pc: boolean;
  runDir: string;
  /** The firmware files when the guest boots UEFI. */
  firmware?: FirmwareFiles;
}

/** The arguments, the machine options, and the QMP commands to run before the vCPUs start. */
export interface GuestArgv {
  /** Arguments that go before the disks' devices: the pcie-root-ports and pcie-to-pci-bridges devices (disks included) sit on. */
  leadingArgs: string[];
  args: string[];
  machineOptions: string[];
  prelaunch: DeviceContext['prelaunch'];
}

const BOOT_LETTERS: Readonly<Record<string, string>> = { hd: 'c', cdrom: 'd', network: 'n' };

/**
 * Builds the arguments realising every accepted element of `definition` (checked before by
 * `checkSupportedXml`). The live definition may gain what the driver fills in (channel sockets).
 */
export function buildGuestArgv(definition: DomainDefinition, input: GuestArgvInput): GuestArgv {
  const tree = definition.tree;
  const args: string[] = [];
  const machineOptions: string[] = [];
  const features = childElement(tree, 'features');
  if (!features || !childElement(features, 'acpi')) machineOptions.push('acpi=off');
  const cpu = childElement(tree, 'cpu');
  const mode = cpu?.attributes.get('mode') ?? 'custom';
  const model = cpu && childElement(cpu, 'model') ? textOf(childElement(cpu, 'model')!).trim() : undefined;
  // qemuBuildCpuModelArgStr: host/max with the migratable property the definition gives
  const migratable = cpu?.attributes.get('migratable');
  const suffix = migratable === 'on' || migratable === 'off' ? `,migratable=${migratable}` : '';
  if (mode === 'host-passthrough') args.push('-cpu', `host${suffix}`);
  else if (mode === 'maximum') args.push('-cpu', `max${suffix}`);
  else if (model) args.push('-cpu', model);
  const topology = cpu ? childElement(cpu, 'topology') : undefined;
  const smp = [String(definition.vcpus)];
  if (topology) for (const key of ['sockets', 'cores', 'threads']) smp.push(`${key}=${topology.attributes.get(key) ?? 1}`);
  args.push('-smp', smp.join(','));
  args.push('-rtc', `base=${childElement(tree, 'clock')?.attributes.get('offset') ?? 'utc'}`);
  const os = childElement(tree, 'os');
  if (os) {
    const order = childElements(os, 'boot')
      .map((b) => BOOT_LETTERS[b.attributes.get('dev') ?? 'hd'])
      .join('');
    if (order) args.push('-boot', `order=${order}`);
    for (const [name, option] of [
      ['kernel', '-kernel'],
      ['initrd', '-initrd'],
      ['cmdline', '-append'],
    ] as const) {
      const el = childElement(os, name);
      if (el) args.push(option, textOf(el).trim());
    }
  }
  if (input.firmware) {
    args.push('-drive', `if=pflash,format=raw,unit=0,file=${input.firmware.loader},readonly=on`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${input.firmware.nvram}`);
  }
  const onReboot = childElement(tree, 'on_reboot');
  if (onReboot && textOf(onReboot).trim() === 'destroy') args.push('-no-reboot');
  const ctx: DeviceContext = { pc: input.pc, runDir: input.runDir, counters: new Map(), prelaunch: [] };
  const all = deviceElements(childElement(tree, 'devices'));
  if (needsImplicitUsb(all)) args.push('-device', `${input.pc ? 'piix3-usb-uhci' : 'qemu-xhci'},id=usb`);
  if (needsImplicitVirtioSerial(all)) args.push('-device', 'virtio-serial-pci,id=virtio-serial0');
  // root ports, then the pcie-to-pci-bridges on them, before everything (the disks' devices too), then the other
  // controllers, so the buses the other devices name exist
  const pciModel = (d: (typeof all)[number], model: string) => d.name === 'controller' && d.attributes.get('model') === model;
  const isBus = (d: (typeof all)[number]) => pciModel(d, 'pcie-root-port') || pciModel(d, 'pcie-to-pci-bridge');
  const buses = [...all.filter((d) => pciModel(d, 'pcie-root-port')), ...all.filter((d) => pciModel(d, 'pcie-to-pci-bridge'))];
  const leadingArgs = buses.flatMap((el) => DEVICE_TABLE[el.name]!.argv(el, ctx, all));
  const ordered = [...all.filter((d) => d.name === 'controller' && !isBus(d)), ...all.filter((d) => d.name !== 'controller')];
  for (const el of ordered) args.push(...DEVICE_TABLE[el.name]!.argv(el, ctx, all));
  return { leadingArgs, args, machineOptions, prelaunch: ctx.prelaunch };
}
