// The one table of devices the qemu driver runs: each entry's accepted shape, its checks and its QEMU arguments; every other device is refused.
import { childElement, childElements, textOf, type XmlElement } from '@virtwire/protocol/xml';
import { EMPTY, unsupported, type Shape } from './xml-shape.js';
import { chardevArgument, realiseGraphics, GRAPHICS_SHAPE, checkGraphics } from './graphics-device.js';
import { ADDRESS_SHAPE, checkAddressType, checkBridgeBus, checkPciPlacement, pciAddressOf, pciPlacement } from './pci-placement.js';

/** What building a device's arguments needs and records. */
export interface DeviceContext {
  /** i440fx (`pc`) rather than q35. */
  pc: boolean;
  /** The guest's runtime directory (sockets the definition does not name go there). */
  runDir: string;
  /** Device counters by kind (net0, serial0, ...). */
  counters: Map<string, number>;
  /** QMP commands to run before the guest's vCPUs start (graphics passwords). */
  prelaunch: Array<{ command: string; args: Record<string, unknown> }>;
}

/** What checking a device needs to know of the host. */
export interface DeviceCheckFacts {
  pc: boolean;
  /** The daemon may attach guests to host bridges (root, or a set-uid qemu-bridge-helper). */
  bridgeAllowed: boolean;
}

/** One supported device element under `<devices>`. */
export interface DeviceEntry {
  /** The element's accepted shape: anything else in it is refused. */
  shape: Shape;
  /** Checks beyond the shape (combinations, counts); throws VIR_ERR_CONFIG_UNSUPPORTED. */
  check?(el: XmlElement, all: readonly XmlElement[], facts: DeviceCheckFacts): void;
  /** The QEMU arguments realising it; an empty list only where the machine itself provides the device. */
  argv(el: XmlElement, ctx: DeviceContext, all: readonly XmlElement[]): string[];
}

const DIGITS = /^\d+$/;
const attr = (el: XmlElement | undefined, name: string): string | undefined => el?.attributes.get(name);
const next = (ctx: DeviceContext, kind: string): number => {
  const n = ctx.counters.get(kind) ?? 0;
  ctx.counters.set(kind, n + 1);
  return n;
};

const CHARDEV_SOURCE: Shape = { attributes: { mode: ['bind'], path: 'any' } };

/** `<disk>`: file images (qcow2, raw) and CD-ROMs on virtio, SATA or IDE; the engine writes their -blockdev/-device (domain-config.ts). */
const disk: DeviceEntry = {
  shape: {
    attributes: { type: ['file'], device: ['disk', 'cdrom'], snapshot: ['internal', 'external', 'no'] },
    children: {
      driver: { attributes: { name: ['qemu'], type: ['qcow2', 'raw'] } },
      source: { attributes: { file: 'any' } },
      backingStore: { opaque: true },
      target: { attributes: { dev: 'any', bus: ['virtio', 'sata', 'ide'] } },
      readonly: EMPTY,
      address: ADDRESS_SHAPE,
    },
  },
  argv: () => [],
};

const USB_MODELS: Readonly<Record<string, string>> = { 'qemu-xhci': 'qemu-xhci', 'piix3-uhci': 'piix3-usb-uhci' };

/** Where the machine's own controllers sit (q35's AHCI at 00:1f.2, pc's PIIX3 IDE at 00:01.1): an address must say that. */
const BUILT_IN_SLOTS: Readonly<Record<string, { pc: boolean; slot: number; fn: number }>> = {
  sata: { pc: false, slot: 0x1f, fn: 2 },
  ide: { pc: true, slot: 1, fn: 1 },
};

/**
 * `<controller>`: the machine's own PCI root, SATA (q35) and IDE (pc) controllers; a USB and a
 * virtio-serial controller; pcie-root-port buses (q35) for the devices libvirt places behind them.
 */
const controller: DeviceEntry = {
  shape: {
    attributes: {
      type: ['pci', 'sata', 'ide', 'usb', 'virtio-serial'],
      index: DIGITS,
      model: ['pcie-root', 'pci-root', 'pcie-root-port', 'pcie-to-pci-bridge', 'qemu-xhci', 'piix3-uhci', 'none'],
    },
    children: {
      model: { attributes: { name: ['pcie-root-port', 'pcie-pci-bridge'] } },
      target: { attributes: { chassis: DIGITS, port: /^0x[0-9a-fA-F]{1,2}$/ } },
      address: ADDRESS_SHAPE,
    },
  },
  check(el, all, facts) {
    const type = attr(el, 'type')!;
    const model = attr(el, 'model');
    const rootPort = type === 'pci' && model === 'pcie-root-port';
    const bridge = type === 'pci' && model === 'pcie-to-pci-bridge';
    const fits =
      (type === 'pci' && model === (facts.pc ? 'pci-root' : 'pcie-root')) ||
      ((rootPort || bridge) && !facts.pc) ||
      (type === 'sata' && !facts.pc && model === undefined) ||
      (type === 'ide' && facts.pc && model === undefined) ||
      (type === 'usb' && (model === undefined || model === 'none' || model in USB_MODELS)) ||
      (type === 'virtio-serial' && model === undefined);
    if (!fits) throw unsupported(`controller type '${type}'${model ? ` model '${model}'` : ''} is not supported on this machine by the qemu driver`);
    const index = Number(attr(el, 'index') ?? 0);
    if (rootPort || bridge ? !(index >= 1 && index <= 32) : index !== 0) {
      throw unsupported(`controller type '${type}' index ${index} is not supported by the qemu driver`);
    }
    if (!rootPort && (childElement(el, 'target') || (!bridge && childElement(el, 'model')))) {
      throw unsupported(`<model> and <target> of controller type '${type}'${bridge ? ` model '${model}'` : ''} are not supported by the qemu driver`);
    }
    const modelName = attr(childElement(el, 'model'), 'name');
    if (modelName !== undefined && modelName !== (bridge ? 'pcie-pci-bridge' : 'pcie-root-port')) {
      throw unsupported(`<model name='${modelName}'> of controller model '${model}' is not supported by the qemu driver`);
    }
    const what = `controller type '${type}' index ${index}`;
    if (type === 'pci' && !rootPort && !bridge) {
      if (childElement(el, 'address')) throw unsupported(`the PCI root controller has no <address>`);
      return;
    }
    const builtIn = BUILT_IN_SLOTS[type];
    const pci = pciAddressOf(el, what);
    if (builtIn && pci && (pci.bus !== 0 || pci.slot !== builtIn.slot || pci.fn !== builtIn.fn)) {
      throw unsupported(`${what} is part of the machine, at 00:${builtIn.slot.toString(16).padStart(2, '0')}.${builtIn.fn}`);
    }
    if (rootPort && pci && pci.bus !== 0) throw unsupported(`${what} must sit on the root bus`);
    if (bridge) checkBridgeBus(el, all, what);
    checkPciPlacement(el, all, what);
  },
  argv(el, ctx) {
    const type = attr(el, 'type');
    const where = (what: string) => pciPlacement(el, ctx.pc, what);
    if (type === 'usb') {
      const model = attr(el, 'model') ?? (ctx.pc ? 'piix3-uhci' : 'qemu-xhci');
      return model === 'none' ? [] : ['-device', `${USB_MODELS[model]},id=usb${where('the USB controller')}`];
    }
    if (type === 'virtio-serial') return ['-device', `virtio-serial-pci,id=virtio-serial0${where('the virtio-serial controller')}`];
    if (type === 'pci' && attr(el, 'model') === 'pcie-root-port') {
      const target = childElement(el, 'target');
      const index = attr(el, 'index')!;
      const port = attr(target, 'port');
      const chassis = attr(target, 'chassis') ?? index;
      return ['-device', `pcie-root-port,${port ? `port=${port},` : ''}chassis=${chassis},id=pci.${index}${where(`root port ${index}`)}`];
    }
    if (type === 'pci' && attr(el, 'model') === 'pcie-to-pci-bridge') {
      return ['-device', `pcie-pci-bridge,id=pci.${attr(el, 'index')!}${where(`bridge ${attr(el, 'index')!}`)}`];
    }
    return []; // pcie-root / pci-root, q35's AHCI and pc's IDE are part of the machine
  },
};

const NIC_MODELS: Readonly<Record<string, string>> = { virtio: 'virtio-net-pci', e1000: 'e1000', e1000e: 'e1000e', rtl8139: 'rtl8139' };

/** `<interface>`: QEMU user networking, or a host bridge where the daemon may use one; virtio-net unless `<model>` says otherwise. */
const networkInterface: DeviceEntry = {
  shape: {
    attributes: { type: ['user', 'bridge', 'network'] },
    children: {
      mac: { attributes: { address: /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/ } },
      source: { attributes: { bridge: /^[A-Za-z0-9_.-]{1,15}$/, network: 'any' } },
      model: { attributes: { type: Object.keys(NIC_MODELS) } },
      rom: { attributes: { enabled: ['yes', 'no'] } },
      address: ADDRESS_SHAPE,
    },
  },
  check(el, all, facts) {
    checkPciPlacement(el, all, 'an interface');
    const type = attr(el, 'type');
    if (type === 'network') {
      throw unsupported(
        "interface type 'network' needs libvirt's network driver, which virtwire does not have: use type 'user' (or 'bridge' with a privileged daemon)",
      );
    }
    if (type === 'bridge') {
      if (!facts.bridgeAllowed) throw unsupported("interface type 'bridge' needs a privileged daemon (root, or a set-uid qemu-bridge-helper): use type 'user'");
      if (!attr(childElement(el, 'source'), 'bridge')) throw unsupported("interface type 'bridge' needs <source bridge='...'/>");
    } else if (childElement(el, 'source')) {
      throw unsupported("element <devices/interface/source> is not supported by the qemu driver for interface type 'user'");
    }
  },
  argv(el, ctx) {
    const n = next(ctx, 'net');
    const netdev = attr(el, 'type') === 'bridge' ? `bridge,id=hostnet${n},br=${attr(childElement(el, 'source'), 'bridge')}` : `user,id=hostnet${n}`;
    const device = [NIC_MODELS[attr(childElement(el, 'model'), 'type') ?? 'virtio'], `netdev=hostnet${n}`, `id=net${n}`];
    const mac = attr(childElement(el, 'mac'), 'address');
    if (mac) device.push(`mac=${mac.toLowerCase()}`);
    if (attr(childElement(el, 'rom'), 'enabled') === 'no') device.push('romfile=');
    return ['-netdev', netdev, '-device', device.join(',') + pciPlacement(el, ctx.pc, `interface net${n}`)];
  },
};

/** `<serial>`: an ISA serial port on a pty or a unix socket (QEMU listening). */
const serial: DeviceEntry = {
  shape: {
    attributes: { type: ['pty', 'unix'] },
    children: {
      source: CHARDEV_SOURCE,
      target: { attributes: { type: ['isa-serial'], port: /^[0-3]$/ }, children: { model: { attributes: { name: ['isa-serial'] } } } },
    },
  },
  check: (el) => checkChardevSource(el, 'serial'),
  argv(el, ctx) {
    const n = next(ctx, 'serial');
    const port = attr(childElement(el, 'target'), 'port') ?? String(n);
    return ['-chardev', chardevArgument(el, `charserial${port}`), '-device', `isa-serial,chardev=charserial${port},id=serial${port},index=${port}`];
  },
};

/** `<console>`: the first serial port (the same character device), or a virtio console. */
const console: DeviceEntry = {
  shape: {
    attributes: { type: ['pty', 'unix'], tty: /^\/dev\/pts\/\d+$/ },
    children: { source: CHARDEV_SOURCE, target: { attributes: { type: ['serial', 'virtio'], port: DIGITS } }, address: ADDRESS_SHAPE },
  },
  check(el, all) {
    checkChardevSource(el, 'console');
    if (childElement(el, 'address')) throw unsupported('an <address> of a <console> is not supported by the qemu driver');
    const target = childElement(el, 'target');
    if ((attr(target, 'type') ?? 'serial') !== 'serial') return;
    const port = attr(target, 'port') ?? '0';
    const twin = all.find((d) => d.name === 'serial' && (attr(childElement(d, 'target'), 'port') ?? '0') === port);
    if (!twin || attr(twin, 'type') !== attr(el, 'type') || attr(childElement(twin, 'source'), 'path') !== attr(childElement(el, 'source'), 'path')) {
      throw unsupported(`console on serial port ${port} must be the same character device as <serial> port ${port}`);
    }
  },
  argv(el, ctx) {
    if (attr(childElement(el, 'target'), 'type') !== 'virtio') return []; // the serial port's own character device
    const n = next(ctx, 'console');
    return ['-chardev', chardevArgument(el, `charconsole${n}`), '-device', `virtconsole,bus=virtio-serial0.0,chardev=charconsole${n},id=console${n}`];
  },
};

/** `<channel type='unix'>` on virtio-serial: the guest agent's `org.qemu.guest_agent.0` and other named ports. */
const channel: DeviceEntry = {
  shape: {
    attributes: { type: ['unix'] },
    children: {
      source: CHARDEV_SOURCE,
      target: { attributes: { type: ['virtio'], name: /^[A-Za-z0-9._-]{1,64}$/, state: ['connected', 'disconnected'] } },
      address: ADDRESS_SHAPE,
    },
  },
  check(el, all) {
    if (!attr(childElement(el, 'target'), 'name')) throw unsupported('a virtio channel needs <target name=...>');
    const address = checkAddressType(el, 'virtio-serial', 'a virtio channel');
    if (address && (Number(attr(address, 'bus') ?? 0) !== 0 || !(Number(attr(address, 'port') ?? 1) >= 1))) {
      throw unsupported('a virtio channel sits on bus 0 of the virtio-serial controller, at a port from 1');
    }
    const port = address && attr(address, 'port');
    if (port !== undefined && all.some((d) => d !== el && d.name === 'channel' && attr(childElement(d, 'address'), 'port') === port)) {
      throw unsupported(`virtio-serial port ${port} is used by two channels`);
    }
  },
  argv(el, ctx) {
    const n = next(ctx, 'channel');
    const name = attr(childElement(el, 'target'), 'name')!;
    const port = attr(childElement(el, 'address'), 'port') ?? String(n + 1);
    return [
      '-chardev',
      chardevArgument(el, `charchannel${n}`, ctx, name),
      '-device',
      `virtserialport,bus=virtio-serial0.0,nr=${port},chardev=charchannel${n},id=channel${n},name=${name}`,
    ];
  },
};

const VIDEO_MODELS: Readonly<Record<string, string>> = { cirrus: 'cirrus-vga', vga: 'VGA', virtio: 'virtio-vga', ramfb: 'ramfb' };

/** `<video>`: one primary card (cirrus, vga, virtio; ramfb, a framebuffer in guest RAM with no PCI slot) or none. */
const video: DeviceEntry = {
  shape: {
    children: { model: { attributes: { type: [...Object.keys(VIDEO_MODELS), 'none'], vram: DIGITS, heads: ['1'], primary: ['yes'] } }, address: ADDRESS_SHAPE },
  },
  check(el, all) {
    if (all.filter((d) => d.name === 'video').length > 1) throw unsupported('more than one <video> device is not supported by the qemu driver');
    checkPciPlacement(el, all, 'the video device');
    const model = childElement(el, 'model');
    const vram = Number(attr(model, 'vram') ?? 16384);
    const type = attr(model, 'type') ?? 'cirrus';
    if ((type === 'virtio' || type === 'ramfb') && attr(model, 'vram') !== undefined) throw unsupported(`video model '${type}' has no vram setting`);
    if (type !== 'virtio' && type !== 'ramfb' && !(vram >= 1024 && vram <= 262144 && (vram & (vram - 1)) === 0))
      throw unsupported(`video vram ${vram} KiB must be a power of two from 1024 to 262144`);
  },
  argv(el, ctx) {
    const model = childElement(el, 'model');
    const type = attr(model, 'type') ?? 'cirrus';
    if (type === 'none') return [];
    const n = next(ctx, 'video');
    if (type === 'ramfb') return ['-device', `ramfb,id=video${n}`];
    const memory = type === 'virtio' ? '' : `,vgamem_mb=${Number(attr(model, 'vram') ?? 16384) / 1024}`;
    return ['-device', `${VIDEO_MODELS[type]},id=video${n}${memory}${pciPlacement(el, ctx.pc, 'the video device')}`];
  },
};

/** `<input>`: the machine's PS/2 keyboard and mouse, or a USB tablet. */
const input: DeviceEntry = {
  shape: { attributes: { type: ['mouse', 'keyboard', 'tablet'], bus: ['ps2', 'usb'] }, children: { address: ADDRESS_SHAPE } },
  check(el, all) {
    const ps2 = attr(el, 'bus') === 'ps2' && attr(el, 'type') !== 'tablet';
    const usbTablet = attr(el, 'bus') === 'usb' && attr(el, 'type') === 'tablet';
    if (!ps2 && !usbTablet) throw unsupported(`input type '${attr(el, 'type')}' on bus '${attr(el, 'bus') ?? ''}' is not supported by the qemu driver`);
    if (ps2 && childElement(el, 'address')) throw unsupported('a PS/2 input has no <address>');
    const address = checkAddressType(el, 'usb', 'a USB input');
    if (!address) return;
    const port = attr(address, 'port');
    if (Number(attr(address, 'bus') ?? 0) !== 0 || port === undefined || !/^[1-9]\d?$/.test(port)) {
      throw unsupported('a USB input sits on bus 0 of the USB controller, at a port from 1 (no hubs)');
    }
    if (all.some((d) => d !== el && d.name === 'input' && attr(childElement(d, 'address'), 'port') === port)) {
      throw unsupported(`USB port ${port} is used by two inputs`);
    }
  },
  argv(el, ctx) {
    if (attr(el, 'bus') === 'ps2') return []; // the i8042 of pc and q35
    const port = attr(childElement(el, 'address'), 'port');
    return ['-device', `usb-tablet,id=input${next(ctx, 'input')},bus=usb.0${port ? `,port=${port}` : ''}`];
  },
};

/** `<memballoon>`: virtio-balloon, or none. */
const memballoon: DeviceEntry = {
  shape: { attributes: { model: ['virtio', 'none'] }, children: { address: ADDRESS_SHAPE } },
  check(el, all) {
    if (attr(el, 'model') === 'none' && childElement(el, 'address')) throw unsupported("memballoon model 'none' has no <address>");
    checkPciPlacement(el, all, 'the memory balloon');
  },
  argv: (el, ctx) => (attr(el, 'model') === 'virtio' ? ['-device', `virtio-balloon-pci,id=balloon0${pciPlacement(el, ctx.pc, 'the memory balloon')}`] : []),
};

/** `<audio type='none'>`: the audio backend libvirt adds to every QEMU guest; no sound device uses it. */
const audio: DeviceEntry = {
  shape: { attributes: { id: /^[1-9]\d{0,2}$/, type: ['none'] } },
  check(el, all) {
    if (all.filter((d) => d.name === 'audio').length > 1) throw unsupported('more than one <audio> backend is not supported by the qemu driver');
  },
  argv: (el) => ['-audiodev', `none,id=audio${attr(el, 'id') ?? '1'}`],
};

/** `<graphics type='vnc'>` on a unix socket or a loopback port. */
const graphics: DeviceEntry = { shape: GRAPHICS_SHAPE, check: checkGraphics, argv: realiseGraphics };

/**
 * The devices the qemu driver runs, by element name. Anything else under `<devices>` (besides
 * `<emulator>`) is refused with VIR_ERR_CONFIG_UNSUPPORTED at define and at start.
 */
export const DEVICE_TABLE: Readonly<Record<string, DeviceEntry>> = {
  disk,
  controller,
  interface: networkInterface,
  serial,
  console,
  channel,
  graphics,
  video,
  input,
  memballoon,
  audio,
};

/** A character device's source: a pty has none, a unix socket names a path QEMU listens on (channels may leave it to the driver). */
function checkChardevSource(el: XmlElement, kind: string): void {
  const source = childElement(el, 'source');
  // a pty's <source path> (and a console's tty=) are what the live XML reports: accepted, replaced at start
  if (attr(el, 'type') === 'pty' && source && [...source.attributes.keys()].some((k) => k !== 'path'))
    throw unsupported(`a pty <${kind}> takes no <source> but its reported path`);
  if (attr(el, 'type') === 'unix' && !attr(source, 'path')) throw unsupported(`a unix <${kind}> needs <source mode='bind' path=...>`);
}

/** Every device element under `<devices>` (not `<emulator>`). */
export function deviceElements(devices: XmlElement | undefined): XmlElement[] {
  return devices ? childElements(devices).filter((d) => d.name !== 'emulator') : [];
}

/** True when some device needs the virtio-serial controller and none is declared. */
export function needsImplicitVirtioSerial(all: readonly XmlElement[]): boolean {
  const declared = all.some((d) => d.name === 'controller' && attr(d, 'type') === 'virtio-serial');
  const used = all.some((d) => d.name === 'channel' || (d.name === 'console' && attr(childElement(d, 'target'), 'type') === 'virtio'));
  return used && !declared;
}

/** True when a USB device needs a USB controller and none is declared. */
export function needsImplicitUsb(all: readonly XmlElement[]): boolean {
  const declared = all.some((d) => d.name === 'controller' && attr(d, 'type') === 'usb');
  return !declared && all.some((d) => d.name === 'input' && attr(d, 'bus') === 'usb');
}

/** The text of an element, trimmed (for `<emulator>` and friends). */
export const trimmedText = (el: XmlElement | undefined): string | undefined => (el ? textOf(el).trim() : undefined);
