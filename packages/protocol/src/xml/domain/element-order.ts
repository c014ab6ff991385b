// libvirt's fixed orders of attributes and children, applied to kept elements: what the builders share.
import type { XmlElement } from '../xml-tree.js';

/** Attributes in `order` first (those present), then the rest in their own order. */
export function ordered(attributes: ReadonlyMap<string, string>, order: readonly string[], drop: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of order) {
    const value = attributes.get(name);
    if (value !== undefined) out[name] = value;
  }
  for (const [name, value] of attributes) if (!(name in out) && !drop.includes(name)) out[name] = value;
  return out;
}

/** Children sorted by libvirt's order of their names (stable for equal names; unknown names last). */
export function byRank(children: readonly XmlElement[], order: readonly string[]): XmlElement[] {
  const rank = (el: XmlElement) => {
    const at = order.indexOf(el.name);
    return at === -1 ? order.length : at;
  };
  return [...children].sort((a, b) => rank(a) - rank(b));
}
