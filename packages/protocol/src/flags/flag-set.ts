// Describes a libvirt flag enum: its constant names and the mask of every bit it defines.

/** A libvirt flag enum as data: values by TypeScript key, plus the C constant prefix. */
export interface FlagSet<Values extends Record<string, number> = Record<string, number>> {
  /** C constant prefix, e.g. `VIR_DOMAIN_SNAPSHOT_CREATE_`. */
  readonly prefix: string;
  readonly values: Values;
  /** Every bit the enum defines. */
  readonly mask: number;
}

/** Builds a {@link FlagSet} from an `as const` enum object. */
export function flagSet<Values extends Record<string, number>>(prefix: string, values: Values): FlagSet<Values> {
  const mask = Object.values(values).reduce((all, bit) => (all | bit) >>> 0, 0);
  return { prefix, values, mask };
}

/** The C name of one flag bit, e.g. `VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE`. */
export function flagConstantName(set: FlagSet, bit: number): string {
  const key = Object.keys(set.values).find((k) => set.values[k] === bit);
  if (key === undefined) return `0x${bit.toString(16)}`;
  return constantName(set.prefix, key);
}

/** Every constant of the enum by its C name, in declaration order (two names may share a bit, as libvirt's do). */
export function flagConstants(set: FlagSet): Record<string, number> {
  return Object.fromEntries(Object.entries(set.values).map(([key, bit]) => [constantName(set.prefix, key), bit]));
}

/** `DiskOnly` under `VIR_DOMAIN_SNAPSHOT_CREATE_` is `VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY`. */
function constantName(prefix: string, key: string): string {
  return prefix + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Bits of `flags` that `allowed` does not contain, as libvirt's `virCheckFlags` computes them. */
export function unsupportedBits(flags: number, allowed: number): number {
  return (flags & ~allowed) >>> 0;
}
