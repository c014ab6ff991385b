// Checks libvirt makes once a definition is complete (virDomainDefPostParseCommon, virDomainDefValidate), with its words.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement } from '../xml-tree.js';
import type { DeviceSpec, DomainSpec } from './domain-spec.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** virDomainDefRejectDuplicateControllers: two controllers of one type (USB aside) may not share an index. */
export function rejectDuplicateControllers(spec: DomainSpec): void {
  const seen = new Set<string>();
  for (const d of spec.devices) {
    if (d.kind !== 'controller' || d.type === 'usb') continue;
    const key = `${d.type}\u0000${d.index}`;
    if (seen.has(key)) throw xmlError(`Multiple '${d.type}' controllers with index '${d.index}'`);
    seen.add(key);
  }
}

/** A device's `<boot order>`, if any. */
function bootOrderOf(d: DeviceSpec): string | undefined {
  if (d.kind === 'disk' || d.kind === 'interface') return d.bootOrder === undefined ? undefined : String(d.bootOrder);
  if (d.kind === 'other') return childElement(d.element, 'boot')?.attributes.get('order');
  return undefined;
}

/**
 * virDomainDefBootOrderPostParse, for an HVM guest: no two devices with one boot order, and no
 * per-device boot order beside `<os><boot dev>` (`givenBootDevices`: those the definition named).
 */
export function checkBootOrders(spec: DomainSpec, givenBootDevices: number): void {
  if (spec.os.type !== 'hvm') return;
  const orders = new Set<string>();
  for (const d of spec.devices) {
    const order = bootOrderOf(d);
    if (order === undefined) continue;
    if (orders.has(order)) throw unsupported(`boot order '${order}' used for more than one device`);
    orders.add(order);
  }
  if (givenBootDevices > 0 && orders.size > 0) throw unsupported('per-device boot elements cannot be used together with os/boot elements');
}

/** virDomainDefOSValidate: what `<loader>` and `<nvram>` may say with and without firmware autoselection. */
export function validateOs(spec: DomainSpec): void {
  const detail = (message: string) => VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, message);
  const { loader, nvram, firmware } = spec.os;
  const la = loader?.attributes ?? new Map<string, string>();
  const template = nvram?.attributes.get('template');
  // libvirt keeps <nvram> inside its loader: an NVRAM alone makes a loader without a path.
  const loaderPath = loader?.path ?? '';
  if (!loader && !nvram) return;
  if (firmware !== undefined) {
    // libvirt also refuses loader attributes and paths here; they stay accepted, since virtwire's qemu
    // driver writes the firmware it chose into a live definition that keeps firmware='efi' (libvirt
    // clears it), and that live XML must define again.
    if (nvram && firmware !== 'efi') throw detail(`firmware type '${firmware}' does not support nvram`);
  } else {
    if (loaderPath === '') throw detail('no loader path specified and firmware auto selection disabled');
  }
  const stateless = la.get('stateless');
  if (stateless === 'yes') {
    if (template !== undefined) throw detail('NVRAM template is not permitted when loader is stateless');
    if (nvram) throw detail('NVRAM is not permitted when loader is stateless');
  } else if (stateless === 'no') {
    if (firmware === undefined) {
      if (la.get('type') !== 'pflash') throw detail('Only pflash loader type permits NVRAM');
    } else if (firmware !== 'efi') {
      throw detail('Only EFI firmware permits NVRAM');
    }
  }
}

/** virDomainDefBootValidate: a boot menu timeout of at most 65535 ms. */
export function validateBootMenu(spec: DomainSpec): void {
  const timeout = spec.os.extra.find((e) => e.name === 'bootmenu')?.attributes.get('timeout');
  if (timeout !== undefined && Number(timeout) > 65535) throw unsupported('invalid value for boot menu timeout, must be in range [0,65535]');
}
