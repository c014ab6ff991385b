// A byte count in binary units for the console (B, KiB, MiB, GiB, TiB), one decimal above bytes.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1048576` → `1.0 MiB`, `512` → `512 B` (the units virsh's vshPrettyCapacity uses). */
export function byteSize(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}
