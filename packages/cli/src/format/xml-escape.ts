// Escapes text for XML as libvirt's virBufferEscapeString does (virsh builds snapshot XML with it).

const ENTITIES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/**
 * `virBufferEscapeString`: the five XML specials become entities, other control characters than
 * tab, newline and carriage return are dropped, everything else is kept.
 */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const entity = ENTITIES[ch];
    if (entity !== undefined) out += entity;
    else if (ch >= ' ' || ch === '\t' || ch === '\n' || ch === '\r') out += ch;
  }
  return out;
}
