// A disk's `<backingStore>` chain as libvirt 9.0 reads it for a definition (virDomainDiskBackingStoreParse): each image's type, format and source checked.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, type XmlElement } from '../xml-tree.js';
import { canonicalDeviceSeclabels } from './device-seclabel.js';
import { checkNetworkSource } from './disk-checks.js';
import { canonicalMetadataCache } from './scaled-elements.js';
import { DISK_TYPES, STORAGE_FORMATS } from './xml-enum.js';

const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/**
 * virDomainDiskBackingStoreParse for an inactive definition: a `<backingStore>` without type ends
 * the chain (whatever it holds); another needs a known storage type, a `<format>` of a known image
 * format and a `<source>` (a network one naming its protocol and image). `index` is not read. Gives
 * the chain with only what libvirt keeps: type, format (its metadata cache in bytes), the source's
 * attributes and children (its security label overrides as libvirt keeps them), the next image.
 */
export function parseBackingStore(store: XmlElement): XmlElement {
  const type = store.attributes.get('type');
  if (type === undefined) return element('backingStore');
  const format = childElement(store, 'format');
  const formatType = format?.attributes.get('type');
  if (formatType === undefined || formatType === '') throw xmlError('missing disk backing store format');
  const source = childElement(store, 'source');
  if (!source) throw xmlError('missing disk backing store source');
  if (!DISK_TYPES.has(type)) throw xmlError(`unknown storage source type '${type}'`);
  if (!STORAGE_FORMATS.has(formatType)) throw xmlError(`unknown storage source format '${formatType}'`);
  const cache = childElement(format!, 'metadata_cache');
  const shownCache = cache && canonicalMetadataCache(cache);
  const shownFormat = element('format', { type: formatType }, shownCache && shownCache.children.length > 0 ? [shownCache] : []);
  if (type === 'network') checkNetworkSource(source);
  const attributes = Object.fromEntries([...source.attributes].filter(([k]) => k !== 'index'));
  const sourceChildren = canonicalDeviceSeclabels(childElements(source)) as XmlElement[];
  const next = childElement(store, 'backingStore');
  return element('backingStore', { type }, [element('source', attributes, sourceChildren), shownFormat, ...(next ? [parseBackingStore(next)] : [])]);
}
