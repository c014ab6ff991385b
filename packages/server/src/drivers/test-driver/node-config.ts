// Reads libvirt's test-driver node XML (<node> with <domain>s), plus virtwire's simulated storage in its own namespace.
import { DomainState, ErrorDomain, ErrorNumber, ownValue, VirError, type DomainStateValue } from '@virtwire/protocol';
import {
  childElement,
  childElements,
  DomainDefinition,
  formatXml,
  parseSnapshotXml,
  parseXmlDocument,
  textOf,
  type SnapshotDef,
  type XmlElement,
  TEST_DRIVER_DEFAULTS,
} from '@virtwire/protocol/xml';
import { checkDomainName, checkSnapshotName } from '../common/object-names.js';
import type { StorageFault } from './simulated-storage.js';

/** libvirt's test-driver domain namespace (`<test:runstate>`, `<test:transient/>`). */
export const LIBVIRT_TEST_NS = 'http://libvirt.org/schemas/domain/test/1.0';
/** virtwire's namespace for simulated storage in a node file; libvirt ignores it. */
export const VIRTWIRE_STORAGE_NS = 'https://virtwire.dev/schemas/test-storage/1';

/** A snapshot a node file gives a domain (`<test:domainsnapshot>`), as libvirt's test driver reads it. */
export interface NodeSnapshot {
  def: SnapshotDef & { name: string };
  /** `<active>1</active>`: the domain's current snapshot. */
  current: boolean;
}

/** One domain of a node file. */
export interface NodeDomain {
  definition: DomainDefinition;
  state: DomainStateValue;
  /** libvirt's test driver: BOOTED for a domain started by default, 0 when `<test:runstate>` sets the state. */
  reason: number;
  persistent: boolean;
  snapshots: NodeSnapshot[];
}

/** One pre-existing image of a node file. */
export interface NodeImage {
  path: string;
  size: number;
  format: string;
  backing?: string;
  /** Internal snapshots the image already holds (`internal-snapshots='a b'`). */
  internalSnapshots?: string[];
}

/** Everything a node file describes. */
export interface NodeConfig {
  domains: NodeDomain[];
  images: NodeImage[];
  faults: StorageFault[];
  /** `<storage:root path='/images'/>`: directories new simulated files must lie in (none: anywhere). */
  roots?: string[];
  /** libvirt's built-in test:///default host, whose capabilities list two NUMA cells (a node file's list none). */
  builtIn?: boolean;
}

/** libvirt's built-in `test:///default` node: one running domain `test` with one disk. */
export const DEFAULT_NODE_XML = `<node>
  <domain type='test'>
    <name>test</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory>8388608</memory>
    <currentMemory>2097152</currentMemory>
    <vcpu>2</vcpu>
    <os>
      <type>hvm</type>
    </os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/guest/diskimage1'/>
        <target dev='vda' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </disk>
      <interface type='network'>
        <mac address='aa:bb:cc:dd:ee:ff'/>
        <source network='default'/>
        <target dev='testnet0'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
      </interface>
      <memballoon model='virtio'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
      </memballoon>
    </devices>
  </domain>
</node>
`;

/** The prefixes an element declares for `namespace` (`xmlns:test='...'`). */
function prefixesFor(el: XmlElement, namespace: string): string[] {
  return [...el.attributes].filter(([k, v]) => k.startsWith('xmlns:') && v === namespace).map(([k]) => k.slice(6));
}

function namespaced(parent: XmlElement, scope: XmlElement[], namespace: string, localName: string): XmlElement[] {
  const prefixes = scope.flatMap((el) => prefixesFor(el, namespace));
  return childElements(parent).filter((c) => prefixes.some((p) => c.name === `${p}:${localName}`));
}

const RUNSTATES: Readonly<Record<string, DomainStateValue>> = Object.fromEntries(Object.values(DomainState).map((v) => [String(v), v])) as Record<
  string,
  DomainStateValue
>;

/** The prefixes used in element and attribute names anywhere in `el`'s subtree. */
function usedPrefixes(el: XmlElement, into = new Set<string>()): Set<string> {
  for (const name of [el.name, ...el.attributes.keys()]) {
    const colon = name.indexOf(':');
    if (colon > 0 && !name.startsWith('xmlns:')) into.add(name.slice(0, colon));
  }
  for (const child of el.children) if (typeof child !== 'string') usedPrefixes(child, into);
  return into;
}

/**
 * A `<domain>` of a node file as a document of its own: the namespace declarations it uses from
 * the `<node>` root (`xmlns:test='...'`) are copied onto it, so it is well-formed on its own.
 */
function withInheritedNamespaces(domain: XmlElement, root: XmlElement): XmlElement {
  const used = usedPrefixes(domain);
  const inherited = [...root.attributes].filter(([k]) => k.startsWith('xmlns:') && used.has(k.slice(6)) && !domain.attributes.has(k));
  return inherited.length === 0 ? domain : { ...domain, attributes: new Map([...inherited, ...domain.attributes]) };
}

/**
 * Parses a node file. `readDomainFile` resolves `<domain file='x.xml'/>` references (confined by the caller).
 * Test-driver namespace elements are removed from the domain definitions they configure.
 */
export function parseNodeConfig(xml: string, readDomainFile: (name: string) => string, generateUuid: () => string): NodeConfig {
  const root = parseXmlDocument(xml, { label: 'node', root: 'node', errorDomain: ErrorDomain.Test });
  const config: NodeConfig = { domains: [], images: [], faults: [] };
  for (const domainEl of childElements(root, 'domain')) {
    const file = domainEl.attributes.get('file');
    const source = file !== undefined ? readDomainFile(file) : formatXml(withInheritedNamespaces(domainEl, root));
    const parsedTree = parseXmlDocument(source, { label: 'domain_definition', root: 'domain', errorDomain: ErrorDomain.Domain });
    let state: DomainStateValue = DomainState.Running;
    // libvirt 9.0's test driver gives every domain it loads reason 0 (`running (unknown)`), test:///default's too.
    const reason = 0;
    let persistent = true;
    const scope = [root, parsedTree];
    for (const runstate of namespaced(parsedTree, scope, LIBVIRT_TEST_NS, 'runstate')) {
      const value = ownValue(RUNSTATES, textOf(runstate).trim());
      if (value === undefined || value === DomainState.NoState) {
        throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Test, `Invalid runstate '${textOf(runstate).trim()}'`);
      }
      state = value;
    }
    if (namespaced(parsedTree, scope, LIBVIRT_TEST_NS, 'transient').length > 0) persistent = false;
    const snapshots = namespaced(parsedTree, scope, LIBVIRT_TEST_NS, 'domainsnapshot').map(readSnapshot);
    const testElements = new Set([...prefixesFor(parsedTree, LIBVIRT_TEST_NS), ...prefixesFor(root, LIBVIRT_TEST_NS)]);
    const cleaned: XmlElement = {
      name: parsedTree.name,
      attributes: new Map([...parsedTree.attributes].filter(([k]) => !(k.startsWith('xmlns:') && testElements.has(k.slice(6))))),
      children: parsedTree.children.filter((c) => typeof c === 'string' || ![...testElements].some((p) => c.name.startsWith(`${p}:`))),
    };
    const definition = DomainDefinition.parse(formatXml(cleaned), { generateUuid, defaults: TEST_DRIVER_DEFAULTS });
    checkDomainName(definition.name);
    for (const { def } of snapshots) checkSnapshotName(def.name, ErrorDomain.Test);
    config.domains.push({ definition, state, reason, persistent, snapshots });
  }
  for (const storage of namespaced(root, [root], VIRTWIRE_STORAGE_NS, 'storage')) readStorage(storage, config);
  return config;
}

/**
 * Reads one `<test:domainsnapshot>` the way libvirt's test driver does (PARSE_REDEFINE and
 * PARSE_INTERNAL): name, state and creationTime are required, `<active>` says whether it is
 * current, and the `<domain>` may be missing (snapshots older than libvirt 0.9.5).
 */
function readSnapshot(el: XmlElement): NodeSnapshot {
  const renamed: XmlElement = { name: 'domainsnapshot', attributes: el.attributes, children: el.children };
  const def = parseSnapshotXml(formatXml(renamed), { redefine: true }) as SnapshotDef & { name: string };
  if (def.domain !== undefined && !def.domain.attributes.has('type')) delete def.domain;
  const active = childElement(el, 'active');
  const value = active ? Number(textOf(active).trim()) : Number.NaN;
  if (!Number.isInteger(value)) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.DomainSnapshot, "Could not find 'active' element");
  return { def, current: value !== 0 };
}

function readStorage(storage: XmlElement, config: NodeConfig): void {
  const positive = (el: XmlElement, attribute: string): number | undefined => {
    const raw = el.attributes.get(attribute);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Test, `invalid ${attribute} '${raw}'`);
    return n;
  };
  const absolute = (el: XmlElement): string => {
    const path = el.attributes.get('path') ?? '';
    if (!path.startsWith('/')) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Test, `storage path '${path}' must be absolute`);
    return path;
  };
  for (const el of childElements(storage)) {
    const local = el.name.slice(el.name.indexOf(':') + 1);
    if (local === 'image') {
      const image: NodeImage = { path: absolute(el), size: positive(el, 'size') ?? 0, format: el.attributes.get('format') ?? 'qcow2' };
      const backing = el.attributes.get('backing');
      if (backing) image.backing = backing;
      const internal = el.attributes
        .get('internal-snapshots')
        ?.split(/\s+/)
        .filter((name) => name !== '');
      if (internal && internal.length > 0) image.internalSnapshots = internal;
      config.images.push(image);
    } else if (local === 'root') {
      (config.roots ??= []).push(absolute(el));
    } else if (local === 'fault') {
      const fault: { -readonly [K in keyof StorageFault]: StorageFault[K] } = { path: absolute(el) };
      if (el.attributes.get('readonly') === 'yes') fault.readOnly = true;
      const capacity = positive(el, 'capacity');
      if (capacity !== undefined) fault.capacity = capacity;
      const failOnWrite = positive(el, 'fail-on-write');
      if (failOnWrite !== undefined) fault.failOnWrite = failOnWrite;
      config.faults.push(fault);
    }
  }
}
