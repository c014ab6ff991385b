// `<iothreads>`, `<iothreadids>` and `<defaultiothread>` as libvirt 9.0 reads and writes them (virDomainDefParseIOThreads, virDomainDefIOThreadsFormat).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, textOf, type XmlElement } from '../xml-tree.js';
import type { DomainSpec } from './domain-spec.js';
import { cStrToInteger, propNonNegativeInt, propUInt } from './xml-prop.js';

const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);
const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);

/** How many I/O threads a definition may have here (a bound of this daemon; libvirt has none). */
export const MAX_IOTHREADS = 16384;

/** The I/O threads of a domain: their ids (in libvirt's order) and the elements libvirt writes for them. */
export interface IOThreads {
  ids: number[];
  elements: { iothreads?: XmlElement; iothreadids?: XmlElement; defaultiothread?: XmlElement };
}

/** virXMLPropUInt with VIR_XML_PROP_NONZERO. */
function nonZeroId(el: XmlElement): number {
  const id = propUInt(el, 'id', 10, true)!;
  if (id === 0) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value for attribute 'id' in element '${el.name}': Zero is not permitted`);
  return id;
}

/** thread_pool_min and thread_pool_max (non-negative ints) as attributes, in libvirt's order. */
function pool(el: XmlElement): Record<string, string | undefined> {
  const min = propNonNegativeInt(el, 'thread_pool_min', 10);
  const max = propNonNegativeInt(el, 'thread_pool_max', 10);
  return { thread_pool_min: min === undefined ? undefined : String(min), thread_pool_max: max === undefined ? undefined : String(max) };
}

/**
 * Reads the I/O threads: the count (`<iothreads>`, at least the ids given), each given id (non-zero,
 * unique) with its pool sizes, then the missing ones filled with the lowest unused ids
 * (virDomainIOThreadIDDefArrayInit); `<iothreadids>` is written unless every id was filled in and
 * none has a pool size; `<defaultiothread>` when it has a pool size.
 */
export function parseIOThreads(root: XmlElement): IOThreads {
  const countEl = childElement(root, 'iothreads');
  let count = 0;
  if (countEl) {
    const text = textOf(countEl);
    const n = cStrToInteger(text, 10);
    if (!n || n.negative || n.value > 0xffffffffn) throw xmlError(`invalid iothreads count '${text}'`);
    count = Number(n.value);
  }
  const defaultEl = childElement(root, 'defaultiothread');
  const defaultPool = defaultEl ? pool(defaultEl) : {};
  const given = childElement(root, 'iothreadids') ? childElements(childElement(root, 'iothreadids')!, 'iothread') : [];
  const threads: { id: number; attributes: Record<string, string | undefined>; autofill: boolean }[] = [];
  for (const el of given) {
    const id = nonZeroId(el);
    const attributes = pool(el);
    if (threads.some((t) => t.id === id)) throw xmlError(`duplicate iothread id '${id}' found`);
    threads.push({ id, attributes, autofill: false });
  }
  const total = Math.max(count, threads.length);
  // libvirt allocates every thread it fills in; this daemon refuses counts past its bound instead.
  if (total > MAX_IOTHREADS) throw xmlError(`domain definition has ${total} I/O threads; this daemon accepts at most ${MAX_IOTHREADS}`);
  const used = new Set(threads.map((t) => t.id));
  for (let next = 1; threads.length < total; next++) {
    if (!used.has(next)) threads.push({ id: next, attributes: {}, autofill: true });
  }
  const elements: IOThreads['elements'] = {};
  if (threads.length > 0) elements.iothreads = element('iothreads', {}, [String(threads.length)]);
  const shown = threads.some((t) => !t.autofill || t.attributes.thread_pool_min !== undefined || t.attributes.thread_pool_max !== undefined);
  if (shown)
    elements.iothreadids = element(
      'iothreadids',
      {},
      threads.map((t) => element('iothread', { id: String(t.id), ...t.attributes })),
    );
  if (defaultPool.thread_pool_min !== undefined || defaultPool.thread_pool_max !== undefined) {
    elements.defaultiothread = element('defaultiothread', defaultPool);
  }
  return { ids: threads.map((t) => t.id), elements };
}

/** virDomainDefValidateIOThreads: each pool's maximum is positive and not below its minimum (an unset bound counts as -1, as in libvirt). */
export function validateIOThreads(spec: DomainSpec): void {
  const pools = [...(spec.extra.get('iothreadids') ?? []).flatMap((ids) => childElements(ids, 'iothread')), ...(spec.extra.get('defaultiothread') ?? [])];
  for (const el of pools) {
    const min = Number(el.attributes.get('thread_pool_min') ?? -1);
    const max = Number(el.attributes.get('thread_pool_max') ?? -1);
    if (max === 0) throw unsupported('thread_pool_max must be a positive integer');
    if (min > max) throw unsupported('thread_pool_min must be smaller or equal to thread_pool_max');
  }
}
