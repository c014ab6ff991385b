// The domain XML the qemu driver runs, element by element: the top-level shape plus the device table; everything else is refused by name.
import type { DomainDefinition } from '@virtwire/protocol/xml';
import { childElement, type XmlElement, type XmlNode } from '@virtwire/protocol/xml';
import { DEVICE_TABLE, deviceElements, type DeviceCheckFacts } from './device-table.js';
import { checkShape, EMPTY, unsupported, type Shape } from './xml-shape.js';

const TEXT: Shape = { text: 'any' };
const DIGITS = /^\d+$/;

/** `<os>`: hvm with BIOS or UEFI (auto-selected, or an explicit pflash loader and NVRAM), direct kernel boot, boot order. */
const OS_SHAPE: Shape = {
  attributes: { firmware: ['efi'] },
  children: {
    type: { attributes: { arch: ['x86_64'], machine: 'any' }, text: /^hvm$/ },
    loader: { attributes: { readonly: ['yes', 'no'], type: ['pflash', 'rom'], secure: ['no'] }, text: 'any' },
    nvram: { attributes: { template: 'any' }, text: 'any' },
    kernel: TEXT,
    initrd: TEXT,
    cmdline: TEXT,
    boot: { attributes: { dev: ['hd', 'cdrom', 'network'] } },
  },
};

/** The top level of `<domain>` (after the model's defaults), `<devices>` from the device table. */
export const DOMAIN_SHAPE: Shape = {
  attributes: { type: ['qemu', 'kvm'] },
  children: {
    name: TEXT,
    uuid: TEXT,
    title: TEXT,
    description: TEXT,
    metadata: { opaque: true },
    memory: { attributes: { unit: ['KiB'] }, text: DIGITS },
    currentMemory: { attributes: { unit: ['KiB'] }, text: DIGITS },
    vcpu: { attributes: { placement: ['static'] }, text: DIGITS },
    os: OS_SHAPE,
    features: { children: { acpi: EMPTY, apic: EMPTY, pae: EMPTY } },
    cpu: {
      attributes: { mode: ['custom', 'host-passthrough', 'maximum'], match: ['exact'], check: ['none', 'partial'], migratable: ['on', 'off'] },
      children: {
        model: { attributes: { fallback: ['allow', 'forbid'] }, text: /^[A-Za-z0-9_.-]{1,64}$/ },
        topology: { attributes: { sockets: DIGITS, dies: ['1'], cores: DIGITS, threads: DIGITS } },
      },
    },
    clock: { attributes: { offset: ['utc', 'localtime'] } },
    on_poweroff: { text: /^destroy$/ },
    on_reboot: { text: /^(restart|destroy)$/ },
    on_crash: { text: /^destroy$/ },
    devices: {
      children: { emulator: TEXT, ...Object.fromEntries(Object.entries(DEVICE_TABLE).map(([name, entry]) => [name, entry.shape])) },
    },
  },
};

/**
 * The definition with its controllers checked after the other devices: libvirt adds controllers for
 * the devices that need them (a CCID controller for a smartcard), and the refusal should name the
 * device the definition asked for, not the controller it implied.
 */
function controllersLast(tree: XmlElement): XmlElement {
  const devices = childElement(tree, 'devices');
  if (!devices) return tree;
  const isController = (c: XmlNode) => typeof c !== 'string' && c.name === 'controller';
  const reordered: XmlElement = { ...devices, children: [...devices.children.filter((c) => !isController(c)), ...devices.children.filter(isController)] };
  return { ...tree, children: tree.children.map((c) => (c === devices ? reordered : c)) };
}

/**
 * Refuses, with VIR_ERR_CONFIG_UNSUPPORTED naming it, every element, attribute and value of
 * `definition` the driver would not realise on QEMU's command line (libvirt's "unsupported
 * configuration: ..."), then runs each device's own checks.
 */
export function checkSupportedXml(definition: DomainDefinition, facts: DeviceCheckFacts): void {
  checkShape(controllersLast(definition.tree), DOMAIN_SHAPE, 'domain');
  const memory = childElement(definition.tree, 'memory');
  const current = childElement(definition.tree, 'currentMemory');
  if (memory && current && definition.currentMemoryKiB !== definition.memoryKiB) {
    throw unsupported('<currentMemory> below <memory> (a ballooned start) is not supported by the qemu driver');
  }
  const cpu = childElement(definition.tree, 'cpu');
  const mode = cpu?.attributes.get('mode') ?? 'custom';
  if (cpu && mode === 'custom' && !childElement(cpu, 'model') && !childElement(cpu, 'topology')) throw unsupported("<cpu mode='custom'> needs a <model>");
  if (cpu && mode !== 'custom' && childElement(cpu, 'model')) throw unsupported(`<cpu mode='${mode}'> takes no <model>`);
  if (mode === 'host-passthrough' && definition.type !== 'kvm') {
    throw unsupported(`CPU mode 'host-passthrough' for x86_64 ${definition.type} domain on x86_64 host is not supported by hypervisor`);
  }
  const topology = cpu ? childElement(cpu, 'topology') : undefined;
  if (topology) {
    const product = ['sockets', 'dies', 'cores', 'threads'].reduce((n, k) => n * Number(topology.attributes.get(k) ?? 1), 1);
    if (product !== definition.vcpus) throw unsupported(`CPU topology doesn't match maximum vcpu count`);
  }
  const all = deviceElements(childElement(definition.tree, 'devices'));
  for (const el of all) DEVICE_TABLE[el.name]!.check?.(el, all, facts);
}
