// Types of normalise.js (plain JavaScript so the recorder runs without a build).

/** What a case's output is normalised against. */
export interface NormaliseContext {
  paths?: Record<string, string>;
  stableUuids?: readonly string[];
  hostname?: string;
  /** The input text whose MAC addresses are kept; other generated-range MACs become `@MAC@` (opt-in). */
  macInputs?: string;
}

export function normalise(text: string, context: NormaliseContext): string;
export function uuidsIn(...texts: unknown[]): string[];
export function normaliseValue<T>(value: T, context: NormaliseContext): T;
