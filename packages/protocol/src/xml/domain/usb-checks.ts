// Input devices and what needs a USB bus, as libvirt 9.0 parses and checks them: an input's default bus, `model='none'` USB controllers, USB devices without USB.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, type XmlElement } from '../xml-tree.js';
import type { DomainSpec } from './domain-spec.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const detail = (message: string) => VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, message);

/** virDomainInputType, virDomainInputBus, virDomainInputModel (without `default`). */
const INPUT_TYPES: ReadonlySet<string> = new Set(['mouse', 'tablet', 'keyboard', 'passthrough', 'evdev']);
const INPUT_BUSES: ReadonlySet<string> = new Set(['ps2', 'usb', 'xen', 'parallels', 'virtio', 'none']);
const INPUT_MODELS: ReadonlySet<string> = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);

/** What an input's default bus depends on: the guest's OS type, its architecture as given (before defaults) and its virt type. */
export interface InputContext {
  osType: string;
  arch: string | undefined;
  virtType: string;
  /** Makes a MAC address for an interface without one (virDomainNetGenerateMAC). */
  generateMac?: (() => string) | undefined;
}

/** The bus libvirt gives an input that names none (virDomainInputDefParseXML), or undefined for none. */
function defaultInputBus(type: string, ctx: InputContext): string | undefined {
  if (ctx.osType === 'hvm') {
    const x86 = ctx.arch === undefined || ctx.arch === 'i686' || ctx.arch === 'x86_64';
    if ((type === 'mouse' || type === 'keyboard') && x86) return 'ps2';
    if (ctx.arch === 's390' || ctx.arch === 's390x' || type === 'passthrough') return 'virtio';
    if (type === 'evdev') return undefined;
    return 'usb';
  }
  if (ctx.osType === 'xen' || ctx.osType === 'xenpvh') return 'xen';
  if (ctx.virtType === 'vz' || ctx.virtType === 'parallels') return 'parallels';
  return undefined;
}

/**
 * virDomainInputDefParseXML: the type (required, known), the model, the bus (known, or the
 * default for the guest, written in libvirt's attribute order), and a USB input's address type.
 */
export function parseInput(el: XmlElement, ctx: InputContext): XmlElement {
  const type = el.attributes.get('type');
  if (type === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'missing input device type');
  if (!INPUT_TYPES.has(type)) throw unsupported(`unknown input device type '${type}'`);
  const model = el.attributes.get('model');
  if (model !== undefined && !INPUT_MODELS.has(model)) throw unsupported(`unknown input model '${model}'`);
  const given = el.attributes.get('bus');
  if (given !== undefined && !INPUT_BUSES.has(given)) throw unsupported(`unknown input bus type '${given}'`);
  const bus = given ?? defaultInputBus(type, ctx);
  const addressType = childElements(el, 'address')[0]?.attributes.get('type');
  if (bus === 'usb' && addressType !== undefined && addressType !== 'usb') {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, 'Invalid address for a USB device');
  }
  const attributes = new Map<string, string>([['type', type]]);
  if (bus !== undefined) attributes.set('bus', bus);
  for (const [k, v] of el.attributes) if (!attributes.has(k)) attributes.set(k, v);
  return { name: el.name, attributes, children: el.children };
}

/**
 * virDomainDefControllersParse's USB rules: a `model='none'` controller is the only USB controller,
 * and some USB controller is a master (not a companion naming its `<master>`).
 */
export function checkUsbControllers(spec: DomainSpec): void {
  let none = false;
  let other = false;
  let master = false;
  for (const d of spec.devices) {
    if (d.kind !== 'controller' || d.type !== 'usb') continue;
    if (d.model === 'none') {
      if (other || none) throw detail("Can't add another USB controller: USB is disabled for this domain");
      none = true;
    } else {
      if (none) throw detail("Can't add another USB controller: USB is disabled for this domain");
      other = true;
    }
    if (!d.children.some((c) => c.name === 'master')) master = true;
  }
  if (other && !master) throw detail('No master USB controller specified');
}

const usbDisabled = (spec: DomainSpec) => spec.devices.some((d) => d.kind === 'controller' && d.type === 'usb' && d.model === 'none');

/** virDomainDefParseXML: with USB disabled (`model='none'`), no USB input, USB host device or USB hub. */
export function checkUsbDevicesWithoutUsb(spec: DomainSpec): void {
  if (!usbDisabled(spec)) return;
  for (const d of spec.devices) {
    if (d.kind !== 'other') continue;
    const el = d.element;
    if (el.name === 'input' && el.attributes.get('bus') === 'usb') throw unsupported("Can't add USB input device. USB bus is disabled");
    if (el.name === 'hostdev' && (el.attributes.get('mode') ?? 'subsystem') === 'subsystem' && el.attributes.get('type') === 'usb') {
      throw unsupported("Can't add host USB device: USB is disabled in this host");
    }
    if (el.name === 'hub' && el.attributes.get('type') === 'usb') throw unsupported("Can't add USB hub: USB is disabled for this domain");
  }
}

/**
 * virDomainRedirdevDefValidate: a USB redirection needs a USB controller that is not `model='none'`;
 * `implicitUsb`: the driver adds one when none is given (libvirt's QEMU driver does, in its post-parse).
 */
export function validateRedirdevs(spec: DomainSpec, implicitUsb = false): void {
  const usb = spec.devices.filter((d) => d.kind === 'controller' && d.type === 'usb');
  const hasUsb = usb.some((d) => d.kind === 'controller' && d.model !== 'none') || (implicitUsb && usb.length === 0);
  for (const d of spec.devices) {
    if (d.kind === 'other' && d.element.name === 'redirdev' && (d.element.attributes.get('bus') ?? 'usb') === 'usb' && !hasUsb) {
      throw unsupported('cannot add redirected USB device: USB is disabled for this domain');
    }
  }
}
