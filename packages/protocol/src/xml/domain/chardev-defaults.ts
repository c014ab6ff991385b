// Serial ports and consoles as libvirt completes them: virDomainDefAddConsoleCompat, port numbering, and a serial console formatted as its serial port.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { element } from '../xml-tree.js';
import type { CharDeviceSpec, DeviceSpec, DomainSpec } from './domain-spec.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);

/** Serial target types whose port gets a console alias (virDomainDefAddConsoleCompat); pci, usb and isa-debug do not. */
const CONSOLE_CAPABLE = new Set(['isa-serial', 'spapr-vio-serial', 'system-serial', 'sclp-serial']);

const ofKind = (spec: DomainSpec, kind: CharDeviceSpec['kind']) => spec.devices.filter((d): d is CharDeviceSpec => d.kind === kind);

/** A console that only stands for a serial port (libvirt fills it from that port when formatting). */
const stubConsole = (): CharDeviceSpec => ({
  kind: 'console',
  type: 'pty',
  sourceChildren: [],
  target: new Map([['type', 'serial']]),
  targetChildren: [],
  extra: [],
});

/** virDomainChrSourceDefIsEqual, as far as the model keeps a source. */
function sameSource(a: CharDeviceSpec, b: CharDeviceSpec): boolean {
  const attributes = (c: CharDeviceSpec) => JSON.stringify([...(c.source ?? new Map())].sort());
  return a.type === b.type && attributes(a) === attributes(b);
}

/** Puts `console` before the first console of `devices` (the end when there is none). */
function insertFirstConsole(devices: DeviceSpec[], console: CharDeviceSpec): void {
  const first = devices.findIndex((d) => d.kind === 'console');
  devices.splice(first === -1 ? devices.length : first, 0, console);
}

/**
 * libvirt's virDomainDefAddConsoleCompat for an HVM guest: a first console of type serial (or none)
 * becomes the first serial port when there is none, and otherwise stays only if it has that port's
 * source; a first serial port of a console-capable type gets a console of its own.
 */
function consoleCompat(spec: DomainSpec): void {
  const consoles = ofKind(spec, 'console');
  // virDomainChrDefPostParse has made every console of target type none a serial console by now.
  for (const console of consoles.slice(1)) {
    const type = console.target.get('type') ?? 'none';
    if (type === 'serial' || type === 'none') throw unsupported('Only the first console can be a serial port');
  }
  if (spec.os.type !== 'hvm') return;
  const serials = ofKind(spec, 'serial');
  const first = consoles[0];
  const firstType = first?.target.get('type') ?? 'none';
  if (first && (firstType === 'serial' || firstType === 'none')) {
    if (serials.length === 0) {
      const at = spec.devices.indexOf(first);
      spec.devices[at] = { ...first, kind: 'serial', target: new Map([['port', '0']]), targetChildren: [] };
      insertFirstConsole(spec.devices, stubConsole());
    } else if (!sameSource(serials[0]!, first)) {
      spec.devices[spec.devices.indexOf(first)] = stubConsole();
    }
  } else if (serials[0] && CONSOLE_CAPABLE.has(serials[0].target.get('type') ?? 'isa-serial')) {
    insertFirstConsole(spec.devices, stubConsole());
  }
}

/** How a driver types its serial ports: the test driver leaves the type as given, QEMU makes an untyped one an ISA port. */
export type SerialTargetStyle = 'port' | 'isa-serial';

/**
 * Completes serial ports, parallel ports and consoles as libvirt does: the console compatibility
 * above; the driver's serial target type; each port without a number gets the highest of its kind
 * plus one (virDomainChrDefPostParse); a console without a target type is a serial console; and
 * each serial console of an HVM guest is written as the serial port it stands for (as
 * virDomainDefFormatInternal does).
 */
export function defaultCharDevices(spec: DomainSpec, style: SerialTargetStyle): void {
  consoleCompat(spec);
  for (const serial of ofKind(spec, 'serial')) {
    const type = serial.target.get('type') ?? (style === 'isa-serial' ? 'isa-serial' : undefined);
    const target = new Map<string, string>();
    if (type !== undefined) target.set('type', type);
    const port = serial.target.get('port');
    if (port !== undefined) target.set('port', port);
    serial.target = target;
    if (type === 'isa-serial' && style === 'isa-serial' && serial.targetChildren.length === 0)
      serial.targetChildren = [element('model', { name: 'isa-serial' })];
  }
  for (const kind of ['serial', 'parallel', 'console'] as const) {
    const devices = ofKind(spec, kind);
    for (const device of devices) {
      if (device.target.has('port')) continue;
      const max = Math.max(-1, ...devices.map((d) => Number(d.target.get('port') ?? -1)).filter(Number.isInteger));
      device.target.set('port', String(max + 1));
    }
  }
  const serials = ofKind(spec, 'serial');
  ofKind(spec, 'console').forEach((console, n) => {
    const type = console.target.get('type') ?? 'serial';
    const port = console.target.get('port') ?? '0';
    console.target = new Map([
      ['type', type],
      ['port', port],
    ]);
    const serial = serials[n];
    if (spec.os.type !== 'hvm' || type !== 'serial' || !serial) return;
    const alias: CharDeviceSpec = {
      ...serial,
      kind: 'console',
      target: new Map([
        ['type', 'serial'],
        ['port', serial.target.get('port') ?? '0'],
      ]),
      targetChildren: [],
    };
    spec.devices[spec.devices.indexOf(console)] = alias;
  });
}
