// A domain definition: parsed into the typed model, completed with the driver's defaults, kept as libvirt's canonical tree.
import { ErrorDomain } from '../errors/error-domain.js';
import { ErrorNumber } from '../errors/error-number.js';
import { VirError } from '../errors/vir-error.js';
import { applyDomainDefaults, type DriverDefaults } from './domain/domain-defaults.js';
import { buildDomainTree } from './domain/domain-build.js';
import { formatDomainXml, type DomainFormatOptions } from './domain/domain-format.js';
import { parseDomainSpec, type DomainParseOptions } from './domain/domain-parse.js';
import type { DomainSpec } from './domain/domain-spec.js';
import { DOMAIN_SCHEMA } from './schema/domain-schema.js';
import { validateDocument } from './schema/xml-schema.js';
import { childElement, childElements, childText, cloneElement, element, parseXmlDocument, type XmlElement } from './xml-tree.js';

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

/** What {@link DomainDefinition.parse} needs: how to make a missing uuid, and the driver's defaults. */
export interface DomainDefinitionParseOptions extends DomainParseOptions {
  /** The driver's post-parse defaults (TEST_DRIVER_DEFAULTS, QEMU_DRIVER_DEFAULTS); none: the definition as given, canonically ordered. */
  defaults?: DriverDefaults;
  /** VIR_DOMAIN_DEFINE_VALIDATE: check the document against the domain schema first (error 92). */
  validate?: boolean;
}

/**
 * A domain definition (libvirt's virDomainDef): parsed with libvirt's checks, completed with the
 * driver's defaults and kept as the canonical tree libvirt would format, with typed accessors.
 */
export class DomainDefinition {
  private constructor(readonly tree: XmlElement) {}

  /** Parses, checks and completes `<domain>` XML, like libvirt's `virDomainDefParseString` with its post-parse. */
  static parse(xml: string, options: DomainDefinitionParseOptions = {}): DomainDefinition {
    const root = parseXmlDocument(xml, kind);
    if (options.validate) validateDocument(root, DOMAIN_SCHEMA);
    const spec = parseDomainSpec(root, options);
    if (options.defaults) applyDomainDefaults(spec, options.defaults);
    return new DomainDefinition(buildDomainTree(spec));
  }

  /** Wraps an existing tree (already checked) without copying it. */
  static fromTree(tree: XmlElement): DomainDefinition {
    return new DomainDefinition(tree);
  }

  /** The typed view of the definition. */
  spec(): DomainSpec {
    return parseDomainSpec(this.tree);
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

  /** `<memory>` in KiB (the canonical tree's unit). */
  get memoryKiB(): number {
    return Number(childText(this.tree, 'memory') ?? 0);
  }

  /** `<currentMemory>` in KiB, or `<memory>` when absent. */
  get currentMemoryKiB(): number {
    const current = childText(this.tree, 'currentMemory');
    return current === undefined ? this.memoryKiB : Number(current);
  }

  get vcpus(): number {
    const n = Number(childText(this.tree, 'vcpu'));
    return Number.isInteger(n) && n > 0 ? n : 1;
  }

  /** The vCPUs a guest starts with: `<vcpu current>`, else the `<vcpu>` count. */
  get currentVcpus(): number {
    const current = Number(childElement(this.tree, 'vcpu')?.attributes.get('current'));
    return Number.isInteger(current) && current > 0 ? current : this.vcpus;
  }

  /** `<os><type>`: `hvm`, `xen`, `linux` (dominfo's OS Type). */
  get osType(): string {
    const os = childElement(this.tree, 'os');
    return (os && childText(os, 'type')?.trim()) ?? '';
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

  /** The XML text libvirt formats; see {@link formatDomainXml} for `secure` and `id`. */
  format(options: DomainFormatOptions): string {
    return formatDomainXml(this.tree, options);
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
