// Shared memory, TPM, panic, watchdog and video checks as libvirt 9.0 makes them (virDomainShmemDefParseXML/Format, virDomainTPMDefParseXML, virDomainPanicDefParseXML, virDomainWatchdogDefParseXML, virDomainVideoDefValidate).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, textOf, type XmlElement, type XmlNode } from '../xml-tree.js';
import type { DomainSpec, VideoSpec } from './domain-spec.js';
import { enumAttribute } from './xml-enum.js';
import { propUInt } from './xml-prop.js';
import { unitFactor } from './scaled-elements.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

const SHMEM_MODELS: ReadonlySet<string> = new Set(['ivshmem', 'ivshmem-plain', 'ivshmem-doorbell']);
const SHMEM_ROLES: ReadonlySet<string> = new Set(['master', 'peer']);
const ON_OFF: ReadonlySet<string> = new Set(['on', 'off']);

/** virParseScaledValue for `<size>` in bytes, or undefined when absent. */
function sizeBytes(size: XmlElement | undefined): bigint | undefined {
  if (!size) return undefined;
  const text = textOf(size).trim();
  if (!/^\d+$/.test(text)) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value '${text}' for element or attribute './size[1]'`);
  const unit = size.attributes.get('unit');
  const factor = unitFactor(unit ?? 'b');
  if (factor === undefined) throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.None, `unknown suffix '${unit}'`);
  const bytes = BigInt(text) * factor;
  if (bytes > 2n ** 64n - 1n) throw VirError.report(ErrorNumber.Overflow, ErrorDomain.None, `value too large: ${text}${unit ?? ''}`);
  return bytes;
}

/**
 * `<shmem>` as libvirt reads and writes it: model (ivshmem by default), a name (required), a role
 * except for ivshmem, the size in MiB, a server's path, msi (only with a server) with its vectors
 * and ioeventfd, then alias and address.
 */
export function parseShmem(el: XmlElement): XmlElement {
  const model = childElement(el, 'model');
  const modelType = (model && enumAttribute(model, 'type', SHMEM_MODELS)) ?? 'ivshmem';
  const name = el.attributes.get('name');
  if (name === undefined) throw xmlError("shmem element must contain 'name' attribute");
  const role = modelType === 'ivshmem' ? undefined : enumAttribute(el, 'role', SHMEM_ROLES);
  const bytes = sizeBytes(childElements(el, 'size')[0]);
  const server = childElement(el, 'server');
  const msi = childElement(el, 'msi');
  if (msi) {
    propUInt(msi, 'vectors', 0);
    enumAttribute(msi, 'ioeventfd', ON_OFF);
    if (!server) throw xmlError('msi option is only supported with a server');
  }
  const children: XmlNode[] = [element('model', { type: modelType })];
  if (bytes !== undefined && bytes !== 0n) children.push(element('size', { unit: 'M' }, [String(bytes >> 20n)]));
  if (server) children.push(element('server', { path: server.attributes.get('path') }));
  if (msi) {
    const vectors = propUInt(msi, 'vectors', 0);
    children.push(element('msi', { vectors: vectors ? String(vectors) : undefined, ioeventfd: msi.attributes.get('ioeventfd') }));
  }
  children.push(...childElements(el, 'alias').slice(0, 1), ...childElements(el, 'address').slice(0, 1));
  return { name: el.name, attributes: new Map(Object.entries({ name, ...(role ? { role } : {}) })), children };
}

/** virDomainPanicModel without `default`, its unset value. */
const PANIC_MODELS: ReadonlySet<string> = new Set(['isa', 'pseries', 'hyperv', 's390']);

/** virDomainPanicDefParseXML: a known model (`default` is none, not written), its alias and address. */
export function parsePanic(el: XmlElement): XmlElement {
  const model = el.attributes.get('model');
  if (model !== undefined && model !== 'default' && !PANIC_MODELS.has(model)) throw unsupported(`unknown panic model '${model}'`);
  const children = [...childElements(el, 'alias').slice(0, 1), ...childElements(el, 'address').slice(0, 1)];
  return element('panic', { model: model === 'default' ? undefined : model }, children);
}

/** virDomainWatchdogModel, virDomainWatchdogAction. */
const WATCHDOG_MODELS: ReadonlySet<string> = new Set(['i6300esb', 'ib700', 'diag288']);
const WATCHDOG_ACTIONS: ReadonlySet<string> = new Set(['reset', 'shutdown', 'poweroff', 'pause', 'dump', 'none', 'inject-nmi']);

/** virDomainWatchdogDefParseXML and virDomainWatchdogDefFormat: a known model, an action (reset by default, always written), alias and address. */
export function parseWatchdog(el: XmlElement): XmlElement {
  const model = el.attributes.get('model');
  if (model === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'watchdog must contain model name');
  if (!WATCHDOG_MODELS.has(model)) throw unsupported(`unknown watchdog model '${model}'`);
  const action = el.attributes.get('action') ?? 'reset';
  if (!WATCHDOG_ACTIONS.has(action)) throw unsupported(`unknown watchdog action '${action}'`);
  const children = [...childElements(el, 'alias').slice(0, 1), ...childElements(el, 'address').slice(0, 1)];
  return element('watchdog', { model, action }, children);
}

/** virDomainTPMDefParseXML: exactly one `<backend>`. */
export function checkTpm(el: XmlElement): void {
  const backends = childElements(el, 'backend').length;
  if (backends > 1) throw xmlError('only one TPM backend is supported');
  if (backends === 0) throw xmlError('missing TPM device backend');
}

/** A video model's number attribute as libvirt keeps it (0 when absent). */
const videoNumber = (video: VideoSpec, name: string) => Number(video.model.get(name) ?? 0);

/** virDomainVideoDefValidate for every video: a `none` card is alone; ram, vram64 and vgamem only for QXL; no address for ramfb; a resolution above 0. */
export function validateVideos(spec: DomainSpec): void {
  const videos = spec.devices.filter((d): d is VideoSpec => d.kind === 'video');
  for (const video of videos) {
    const type = video.model.get('type');
    if (type === 'none' && videos.length > 1) throw unsupported("a 'none' video type must be the only video device defined for the domain");
    const driverName = video.extra.find((e) => e.name === 'driver')?.attributes.get('name');
    if (driverName === 'vhostuser' && type !== 'virtio') throw unsupported("'vhostuser' driver is only supported with 'virtio' device");
    const resolution = video.modelChildren.find((c) => c.name === 'resolution');
    if (resolution && (Number(resolution.attributes.get('x') ?? 0) === 0 || Number(resolution.attributes.get('y') ?? 0) === 0)) {
      throw unsupported('video resolution values must be greater than 0');
    }
    if (type !== 'qxl') {
      for (const name of ['ram', 'vram64', 'vgamem']) {
        if (videoNumber(video, name) !== 0) throw unsupported(`${name} attribute only supported for video type qxl`);
      }
    }
    if (type === 'ramfb' && video.address) throw unsupported('address not supported for video type ramfb');
  }
}

/** A memory device's `<target><node>` (virDomainMemoryTargetDefParseXML's virXPathInt), -1 when absent. */
export function memoryTargetNode(el: XmlElement): number {
  const node = childElements(el, 'target').flatMap((t) => childElements(t, 'node'))[0];
  const text = node ? textOf(node) : '';
  if (text === '') return -1;
  if (!/^\s*[+-]?\d+\s*$/.test(text) || Number(text) < 0 || Number(text) > 0x7fffffff) throw xmlError('invalid value of memory device node');
  return Number(text);
}

/** virDomainMemoryDefValidate: a memory device's target node is one of the guest's NUMA nodes. */
export function validateMemoryDevices(spec: DomainSpec): void {
  const cells = (spec.extra.get('cpu') ?? []).flatMap((cpu) => childElements(cpu, 'numa')).flatMap((n) => childElements(n, 'cell')).length;
  for (const d of spec.devices) {
    if (d.kind !== 'other' || d.element.name !== 'memory') continue;
    const node = memoryTargetNode(d.element);
    if (node === -1) continue;
    const detail = (message: string) => VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, message);
    if (cells === 0) throw detail("can't add memory backend as guest has no NUMA nodes configured");
    if (node >= cells) throw detail(`can't add memory backend for guest node '${node}' as the guest has only '${cells}' NUMA nodes configured`);
  }
}

/**
 * virDomainGraphicsDefValidate and virDomainAudioDefValidate: a VNC, SPICE or RDP listen of type
 * network names its network; a D-Bus display is not peer-to-peer with an address; audio ids are unique.
 */
export function validateGraphicsAndAudio(spec: DomainSpec): void {
  for (const d of spec.devices) {
    if (d.kind !== 'graphics') continue;
    if (['vnc', 'spice', 'rdp'].includes(d.type) && d.listens.some((l) => l.get('type') === 'network' && !l.has('network'))) {
      throw xmlError("'network' attribute is required for listen type 'network'");
    }
    if (d.type === 'dbus' && d.attributes.get('p2p') === 'yes' && d.attributes.has('address')) throw xmlError('D-Bus p2p with an address is not supported');
  }
  const ids = new Set<string>();
  for (const d of spec.devices) {
    if (d.kind !== 'other' || d.element.name !== 'audio') continue;
    const id = d.element.attributes.get('id');
    if (id === undefined) continue;
    const n = String(Number(id));
    if (ids.has(n)) throw xmlError(`audio ID ${n} is used multiple times`);
    ids.add(n);
  }
}
