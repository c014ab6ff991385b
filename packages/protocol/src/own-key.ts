// Looks a client-given key up in a constant table without ever reaching into Object.prototype.

/**
 * `table[key]` when `key` is the table's own property, else undefined: `__proto__`, `constructor`,
 * `toString` and friends are unknown keys like any other, never prototype members.
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
