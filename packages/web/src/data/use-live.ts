// The Preact hook views use to follow a value through the console's LiveSource.
import { useEffect, useState } from 'preact/hooks';
import type { Changes, Interest, LiveSource, LiveState } from './live-source.js';

/**
 * Watches `fetch` while the component is mounted and `deps` are unchanged, fetching again when a
 * change `interest` selects is reported; returns the latest state.
 */
export function useLive<T>(source: LiveSource, fetch: (changes: Changes) => Promise<T>, deps: readonly unknown[], interest?: Interest): LiveState<T> {
  const [state, setState] = useState<LiveState<T>>({ loading: true });
  useEffect(() => source.watch(fetch, setState, interest), [source, ...deps]);
  return state;
}
