// Formats a snapshot's creation time as virsh does: strftime("%Y-%m-%d %H:%M:%S %z") in the local time zone.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Calendar fields of `epochMs` in `timeZone` (undefined: the process's own zone). */
function fieldsIn(epochMs: number, timeZone: string | undefined): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const parts = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day), h: Number(parts.hour), mi: Number(parts.minute), s: Number(parts.second) };
}

/** The zone named by `TZ` when Intl knows it (`Europe/Paris`, `UTC`); otherwise the process's zone. */
function usableZone(tz: string | undefined): string | undefined {
  if (tz === undefined || tz === '') return undefined;
  const name = tz.startsWith(':') ? tz.slice(1) : tz;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}

/**
 * `creationTime` (seconds since the epoch) as `2026-11-26 05:16:22 +0000`, in the zone `tz`
 * names (virsh reads `TZ` through localtime_r) or the process's zone.
 */
export function formatCreationTime(seconds: number, tz?: string): string {
  const epochMs = seconds * 1000;
  const f = fieldsIn(epochMs, usableZone(tz));
  const offsetMinutes = Math.round((Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s) - epochMs) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const year = f.y < 0 ? String(f.y) : pad(f.y, 4);
  return `${year}-${pad(f.mo)}-${pad(f.d)} ${pad(f.h)}:${pad(f.mi)}:${pad(f.s)} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}
