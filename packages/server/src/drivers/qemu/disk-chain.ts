// A disk's image chain as libvirt writes it (<source> plus nested <backingStore>), and probing it when undeclared.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childElement, childElements, element, type DomainDefinition, type XmlElement } from '@virtwire/protocol/xml';
import { imageInfo, type ImageFormat, type QemuImgSettings } from './engine/index.js';

/** One image of a chain. */
export interface ImageLayer {
  path: string;
  format: ImageFormat;
}

/** A disk's images, the active (top) layer first, then each backing layer down to the base. */
export type ImageChain = ImageLayer[];

/** Longest backing chain accepted. */
export const MAX_CHAIN_DEPTH = 64;

const unsupported = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Qemu, detail);

/** The `<disk>` element of target `target`. */
export function diskElement(definition: DomainDefinition, target: string): XmlElement {
  const el = definition.diskElements().find((d) => childElement(d, 'target')?.attributes.get('dev') === target);
  if (!el) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `no disk with target '${target}'`);
  return el;
}

function imageFormat(value: string | undefined): ImageFormat {
  return value === 'qcow2' ? 'qcow2' : 'raw';
}

/**
 * The chain the disk element declares: its source, then each `<backingStore>`. Undefined when the
 * element has a qcow2 source but no `<backingStore>` at all (the chain is unknown and must be probed);
 * an empty `<backingStore/>` ends a chain.
 */
export function declaredChain(disk: XmlElement): ImageChain | undefined {
  const path = childElement(disk, 'source')?.attributes.get('file');
  if (path === undefined) return [];
  const top: ImageLayer = { path, format: imageFormat(childElement(disk, 'driver')?.attributes.get('type')) };
  const chain: ImageChain = [top];
  let store = childElement(disk, 'backingStore');
  if (store === undefined) return top.format === 'raw' ? chain : undefined;
  while (store !== undefined) {
    const file = childElement(store, 'source')?.attributes.get('file');
    if (file === undefined) break;
    chain.push({ path: file, format: imageFormat(childElement(store, 'format')?.attributes.get('type')) });
    if (chain.length > MAX_CHAIN_DEPTH) throw unsupported(`backing chain of '${path}' is deeper than ${MAX_CHAIN_DEPTH}`);
    store = childElement(store, 'backingStore');
  }
  return chain;
}

/** Rewrites a disk element to `chain`: `<driver type>`, `<source file>`, and nested `<backingStore>` ending in an empty one. */
export function setDiskChain(disk: XmlElement, chain: ImageChain): void {
  const [top, ...below] = chain;
  if (!top) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, 'empty image chain');
  let driver = childElement(disk, 'driver');
  if (!driver) {
    driver = element('driver', { name: 'qemu' });
    disk.children.unshift(driver);
  }
  driver.attributes.set('type', top.format);
  let source = childElement(disk, 'source');
  if (!source) {
    source = element('source');
    disk.children.splice(disk.children.indexOf(driver) + 1, 0, source);
  }
  source.attributes.set('file', top.path);
  for (const old of childElements(disk, 'backingStore')) disk.children.splice(disk.children.indexOf(old), 1);
  let store: XmlElement = element('backingStore');
  for (const layer of [...below].reverse()) {
    store = element('backingStore', { type: 'file' }, [element('format', { type: layer.format }), element('source', { file: layer.path }), store]);
  }
  disk.children.splice(disk.children.indexOf(source) + 1, 0, store);
}

/**
 * Checks one image of a chain against the confinement policy right before it is opened (the
 * top with the disk's kind, the rest as `backing`); throws the client's error to refuse it.
 */
export type LayerConfinement = (path: string, role: 'top' | 'backing') => void;

/**
 * The disk's chain: as declared, or probed one image at a time with `qemu-img info` (sharing
 * locks, so it works on images a QEMU holds). Every image is confined before anything opens it:
 * a backing file named in an image's header is checked before qemu-img reads it, so an image
 * inside the storage roots cannot lead the daemon to a file outside them. Every backing format
 * must be recorded in the image; only qcow2 and raw are accepted.
 */
export async function resolveChain(disk: XmlElement, settings: QemuImgSettings, confine: LayerConfinement): Promise<ImageChain> {
  const declared = declaredChain(disk);
  if (declared !== undefined) {
    declared.forEach((layer, index) => confine(layer.path, index === 0 ? 'top' : 'backing'));
    return declared;
  }
  const top = childElement(disk, 'source')?.attributes.get('file') ?? '';
  confine(top, 'top');
  const chain: ImageChain = [];
  let path = top;
  let format: ImageFormat = 'qcow2';
  for (;;) {
    let info;
    try {
      info = await imageInfo(path, { shareLocks: true, format }, settings);
    } catch (error) {
      const reason = (error as Error).message.split(': ').pop() ?? (error as Error).message;
      throw VirError.report(ErrorNumber.SystemError, ErrorDomain.Qemu, `Cannot access storage file '${path}': ${reason}`);
    }
    if (info.format !== 'qcow2' && info.format !== 'raw') throw unsupported(`image '${info.filename}' has unsupported format '${info.format}'`);
    chain.push({ path, format: info.format });
    if (chain.length > MAX_CHAIN_DEPTH) throw unsupported(`backing chain of '${top}' is deeper than ${MAX_CHAIN_DEPTH}`);
    const backing = info['full-backing-filename'] ?? info['backing-filename'];
    if (backing === undefined) return chain;
    const backingFormat = info['backing-filename-format'];
    if (backingFormat === undefined) {
      throw unsupported(`format of backing image '${backing}' of image '${info.filename}' was not specified in the image metadata`);
    }
    if (backingFormat !== 'qcow2' && backingFormat !== 'raw') throw unsupported(`image '${backing}' has unsupported format '${backingFormat}'`);
    confine(backing, 'backing');
    path = backing;
    format = backingFormat;
  }
}
