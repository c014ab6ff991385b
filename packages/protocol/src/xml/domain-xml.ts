// The subset of libvirt's <domain> XML virtwire needs (identity and disks), kept as a tree so it formats back unchanged.
import { ErrorDomain } from '../errors/error-domain.js';
import { ErrorNumber } from '../errors/error-number.js';
import { VirError } from '../errors/vir-error.js';
import { ownValue } from '../own-key.js';
import { UuidSchema } from '../references.js';
import { presentable } from './secure-data.js';
import { childElement, childElements, childText, cloneElement, element, formatXml, parseXmlDocument, textOf, type XmlElement } from './xml-tree.js';

/** One `<disk>` of a domain, read from its element. */
export interface DomainDisk {
  /** `<target dev>`: `vda`. */
  target: string;
  /** `<disk device>`: `disk`, `cdrom`, `floppy`, `lun`. */
  device: string;
  /** `<disk type>`: `file`, `block`, ... */
  type: string;
  /** The source path (`file` or `dev`), undefined for an empty drive. */
  source?: string;
  /** `<driver type>`: image format. */
  format?: string;
  readOnly: boolean;
  /** The disk's own `snapshot` attribute, if any. */
  snapshot?: string;
  /** `<target bus>`. */
  bus?: string;
}

const kind = { label: 'domain_definition', root: 'domain', errorDomain: ErrorDomain.Domain };

/** A domain definition: the XML tree plus typed accessors for what drivers need. */
export class DomainDefinition {
  private constructor(readonly tree: XmlElement) {}

  /** Parses and checks `<domain>` XML (name, type, uuid), like libvirt's `virDomainDefParseString`. */
  static parse(xml: string, options: { generateUuid?: () => string } = {}): DomainDefinition {
    const tree = parseXmlDocument(xml, kind);
    if (!tree.attributes.get('type')) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'missing domain type attribute');
    }
    const name = childText(tree, 'name')?.trim();
    if (!name) throw new VirError({ code: ErrorNumber.NoName, domain: ErrorDomain.Domain, message: 'missing name information' });
    const uuid = childText(tree, 'uuid')?.trim();
    if (uuid === undefined || uuid === '') {
      if (!options.generateUuid) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'missing domain uuid');
      const uuidEl = element('uuid', {}, [options.generateUuid()]);
      const at = tree.children.findIndex((c) => typeof c !== 'string' && c.name === 'name');
      tree.children.splice(at + 1, 0, uuidEl);
    } else if (!UuidSchema.safeParse(uuid).success) {
      throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, `malformed uuid element`);
    }
    const definition = new DomainDefinition(tree);
    void definition.memoryKiB;
    void definition.currentMemoryKiB;
    const targets = new Set<string>();
    for (const disk of definition.disks()) {
      if (!disk.target) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, 'missing target information for device');
      if (targets.has(disk.target)) {
        throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `target '${disk.target}' duplicated for disk sources`);
      }
      targets.add(disk.target);
    }
    return definition;
  }

  /** Wraps an existing tree (already checked) without copying it. */
  static fromTree(tree: XmlElement): DomainDefinition {
    return new DomainDefinition(tree);
  }

  get name(): string {
    return childText(this.tree, 'name')?.trim() ?? '';
  }

  get uuid(): string {
    return (childText(this.tree, 'uuid') ?? '').trim().toLowerCase();
  }

  /** `<domain type>`: `test`, `kvm`, `qemu`. */
  get type(): string {
    return this.tree.attributes.get('type') ?? '';
  }

  /** `<memory>` in KiB (libvirt's default unit). */
  get memoryKiB(): number {
    return scaledKiB(childElement(this.tree, 'memory'));
  }

  /** `<currentMemory>` in KiB, or `<memory>` when absent. */
  get currentMemoryKiB(): number {
    const current = childElement(this.tree, 'currentMemory');
    return current ? scaledKiB(current) : this.memoryKiB;
  }

  get vcpus(): number {
    const n = Number(childText(this.tree, 'vcpu'));
    return Number.isInteger(n) && n > 0 ? n : 1;
  }

  /** The `<disk>` elements under `<devices>`, in document order. */
  diskElements(): XmlElement[] {
    const devices = childElement(this.tree, 'devices');
    return devices ? childElements(devices, 'disk') : [];
  }

  /** The domain's disks, in document order. */
  disks(): DomainDisk[] {
    return this.diskElements().map(readDisk);
  }

  /** Points a disk at a new source image, as a snapshot does when it switches to an overlay. */
  setDiskSource(target: string, source: string, format?: string): void {
    const el = this.diskElements().find((d) => readDisk(d).target === target);
    if (!el) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, `no disk with target '${target}'`);
    const type = el.attributes.get('type') ?? 'file';
    const sourceEl = childElement(el, 'source');
    const attribute = type === 'block' ? 'dev' : 'file';
    if (sourceEl) sourceEl.attributes.set(attribute, source);
    else el.children.unshift(element('source', { [attribute]: source }));
    if (format !== undefined) {
      const driver = childElement(el, 'driver');
      if (driver) driver.attributes.set('type', format);
      else el.children.unshift(element('driver', { name: 'qemu', type: format }));
    }
  }

  /** A deep copy. */
  clone(): DomainDefinition {
    return new DomainDefinition(cloneElement(this.tree));
  }

  /**
   * libvirt-style XML text. `secure` (VIR_DOMAIN_XML_SECURE) keeps the secure data (graphics
   * passwords, cookies); without it they are left out (secure-data.ts). Every caller decides:
   * state files keep them, what a client reads has them only when it asked and may ask.
   */
  format(options: { secure: boolean }): string {
    return formatXml(presentable(this.tree, options.secure));
  }
}

function readDisk(el: XmlElement): DomainDisk {
  const type = el.attributes.get('type') ?? 'file';
  const source = childElement(el, 'source');
  const path = source?.attributes.get('file') ?? source?.attributes.get('dev');
  const target = childElement(el, 'target');
  const disk: DomainDisk = {
    target: target?.attributes.get('dev') ?? '',
    device: el.attributes.get('device') ?? 'disk',
    type,
    readOnly: childElement(el, 'readonly') !== undefined,
  };
  if (path) disk.source = path;
  const format = childElement(el, 'driver')?.attributes.get('type');
  if (format) disk.format = format;
  const snapshot = el.attributes.get('snapshot');
  if (snapshot) disk.snapshot = snapshot;
  const bus = target?.attributes.get('bus');
  if (bus) disk.bus = bus;
  return disk;
}

/** libvirt's scaled-integer suffixes (virScaleInteger), lower-cased, as KiB factors: powers of 1024, and of 1000 for `KB`, `MB`, ... */
const UNIT_KIB: Readonly<Record<string, number>> = (() => {
  const table: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024 };
  ['k', 'm', 'g', 't', 'p', 'e'].forEach((letter, i) => {
    table[letter] = table[`${letter}ib`] = 1024 ** i;
    table[`${letter}b`] = 1000 ** (i + 1) / 1024;
  });
  return table;
})();

/**
 * A scaled size in KiB, checked as libvirt's virDomainParseScaledValue does: a non-negative
 * integer, and a unit libvirt knows (empty means KiB). An unknown unit, `__proto__` included, is
 * VIR_ERR_INVALID_ARG "unknown suffix"; a bad value VIR_ERR_XML_ERROR "Invalid value".
 */
function scaledKiB(el: XmlElement | undefined): number {
  if (!el) return 0;
  const text = textOf(el).trim();
  if (!/^\d{1,20}$/.test(text)) {
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `Invalid value '${text}' for element or attribute './${el.name}[1]'`);
  }
  const unit = el.attributes.get('unit') || 'KiB';
  const factor = ownValue(UNIT_KIB, unit.toLowerCase());
  if (factor === undefined) throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.None, `unknown suffix '${unit}'`);
  const kib = Math.round(Number(text) * factor);
  if (!Number.isSafeInteger(kib)) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `Invalid value '${text}' for element or attribute './${el.name}[1]'`);
  return kib;
}
