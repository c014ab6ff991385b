// Runs an async function over a list with a bounded number of calls in flight, keeping the list's order.

/** Calls in flight at once: well under the daemon's per-connection bound (64). */
export const DEFAULT_CONCURRENCY = 16;

/** `items.map(fn)` with at most `limit` calls pending; rejects with the first failure. */
export async function mapBounded<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>, limit = DEFAULT_CONCURRENCY): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
