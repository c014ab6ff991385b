// A cheap lower bound on the size of a value's JSON text, so a reply too large to send is refused before it is built.

/**
 * At least how many characters `JSON.stringify(value)` produces, or `Infinity` once that passes
 * `limit`. Walks the value without building anything and stops early, so its cost is bounded by
 * the number of values it visits before the limit (shared strings are not copied). Escapes are
 * not counted, so the real text can only be longer: a value this refuses never fits, and one it
 * accepts is measured again after serialisation.
 */
export function jsonSizeAtLeast(value: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') size += item.length + 2;
    else if (typeof item === 'number' || typeof item === 'boolean') size += String(item).length;
    else if (item === null || item === undefined) size += 4;
    else if (Array.isArray(item)) {
      size += 1 + item.length;
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]);
    } else if (typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>);
      size += 1 + entries.length;
      for (const [key, entry] of entries) {
        size += key.length + 3;
        stack.push(entry);
      }
    }
    if (size > limit) return Infinity;
  }
  return size;
}
