// A domain's `<metadata>` as libvirt 9.0 keeps it (virXMLNodeSanitizeNamespaces): one element per namespace, nothing without one.
import type { XmlElement } from '../xml-tree.js';

/** The namespace URI of `el`'s own name, from its own `xmlns` declarations, else from its `ancestors` (nearest first). */
function namespaceOf(el: XmlElement, ancestors: readonly XmlElement[]): string | undefined {
  const colon = el.name.indexOf(':');
  const declaration = colon < 0 ? 'xmlns' : `xmlns:${el.name.slice(0, colon)}`;
  for (const scope of [el, ...ancestors]) {
    const uri = scope.attributes.get(declaration);
    if (uri !== undefined) return uri === '' ? undefined : uri;
  }
  return undefined;
}

/**
 * The first `<metadata>` with only its child elements that have a namespace (resolved through
 * `ancestors`, the enclosing elements, nearest first), the first of each namespace; text between
 * them goes too.
 */
export function sanitizedMetadata(metadata: XmlElement, ancestors: readonly XmlElement[]): XmlElement {
  const seen = new Set<string>();
  const children: XmlElement[] = [];
  for (const child of metadata.children) {
    if (typeof child === 'string') continue;
    const uri = namespaceOf(child, [metadata, ...ancestors]);
    if (uri === undefined || seen.has(uri)) continue;
    seen.add(uri);
    children.push(child);
  }
  return { name: metadata.name, attributes: metadata.attributes, children };
}
