// A disk's `<source>` and `<backingStore>` chain as libvirt 9.0 writes them (virDomainDiskSourceFormat, virDomainDiskBackingStoreFormat).
import { childElement, childElements, element, type XmlElement } from '../xml-tree.js';
import { byRank, ordered } from './element-order.js';

/** virDomainDiskSourceFormat's order of a source's children. */
const SOURCE_CHILD_ORDER = [
  'host',
  'identity',
  'snapshot',
  'config',
  'initiator',
  'ssl',
  'cookies',
  'readahead',
  'timeout',
  'address',
  'reconnect',
  'slices',
  'seclabel',
  'auth',
  'encryption',
  'reservations',
];

/** virDomainDiskSourceFormatNetwork's order of a `<host>`'s attributes. */
const HOST_ATTRIBUTES = ['name', 'port', 'transport', 'socket'];

/** A disk source of this storage `type` (file, network...): its attributes and children in libvirt's order. */
export function buildDiskSource(type: string, attributes: ReadonlyMap<string, string>, children: readonly XmlElement[]): XmlElement {
  const first = type === 'network' ? ['protocol', 'name', 'query', 'tls'] : ['file', 'dev', 'dir', 'pool', 'volume', 'type', 'path'];
  const shown = children.map((c) => (c.name === 'host' ? element('host', ordered(c.attributes, HOST_ATTRIBUTES), c.children) : c));
  return element('source', ordered(attributes, first), byRank(shown, SOURCE_CHILD_ORDER));
}

/**
 * virDomainDiskBackingStoreFormat for an inactive domain, on a chain {@link parseBackingStore} read:
 * a terminator (no type) as `<backingStore/>`, else its type, then `<format>`, `<source>` and the
 * rest of the chain.
 */
export function buildBackingStore(store: XmlElement): XmlElement {
  const type = store.attributes.get('type');
  if (type === undefined) return element('backingStore');
  const source = childElement(store, 'source')!;
  const next = childElement(store, 'backingStore');
  return element('backingStore', { type }, [
    childElement(store, 'format')!,
    buildDiskSource(type, source.attributes, childElements(source)),
    ...(next ? [buildBackingStore(next)] : []),
  ]);
}
