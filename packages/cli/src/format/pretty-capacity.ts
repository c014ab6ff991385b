// A byte count as virsh's vshPrettyCapacity scales it (B, KiB, ... EiB), printed with `%-.3lf %s`.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** virsh's `vshPrettyCapacity` then `%-.3lf %s`: `8388608` → `8.000 MiB`, `512` → `512.000 B`. */
export function prettyCapacity(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(3)} ${UNITS[unit]}`;
}
