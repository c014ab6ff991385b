// The Preact hook views use to follow a value through the console's LiveSource.
import { useEffect, useState } from 'preact/hooks';
import type { LiveSource, LiveState } from './live-source.js';

/** Watches `fetch` while the component is mounted and `deps` are unchanged; returns the latest state. */
export function useLive<T>(source: LiveSource, fetch: () => Promise<T>, deps: readonly unknown[]): LiveState<T> {
  const [state, setState] = useState<LiveState<T>>({ loading: true });
  useEffect(() => source.watch(fetch, setState), [source, ...deps]);
  return state;
}
