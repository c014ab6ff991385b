// Formats benchmark rows as a table: each figure with its median, range, libvirt's figure and the ratio.
import { fmt } from './stats.js';

/** `median (min–max)` of a summary, or the error that stopped it, or a dash. */
function cell(summary) {
  if (summary === undefined || summary === null) return '—';
  if (summary.skipped) return `skipped: ${summary.skipped}`;
  if (summary.error) return `fails: ${summary.error}`;
  return `${fmt(summary.median)} (${fmt(summary.min)}–${fmt(summary.max)})`;
}

/** virtwire's median over libvirt's. */
export function ratioOf(row) {
  if (!row.ours || row.ours.error || row.ours.skipped || !row.libvirt || row.libvirt.error || row.libvirt.skipped) return undefined;
  // 0 / 0 (neither side paused the guest, say) has no ratio
  if (row.libvirt.median === 0) return undefined;
  return row.ours.median / row.libvirt.median;
}

/**
 * Whether a row meets its target: `{ max }` or `{ min }` on the ratio to libvirt, `{ below }` or
 * `{ atMost }` on our figure, or `{ maxTimesFloor, floor }` on our figure over another measured one.
 */
export function meetsTarget(row) {
  const t = row.target;
  if (!t) return undefined;
  const ours = row.ours && !row.ours.error ? row.ours.median : undefined;
  if (t.below !== undefined) return ours !== undefined && ours < t.below;
  if (t.atMost !== undefined) return ours !== undefined && ours <= t.atMost;
  if (t.maxTimesFloor !== undefined) return ours !== undefined && ours <= t.maxTimesFloor * t.floor;
  if (t.oursOnly) return row.ours && !row.ours.error && Boolean(row.libvirt?.error);
  const ratio = ratioOf(row);
  if (ratio === undefined) return undefined;
  return t.max !== undefined ? ratio <= t.max : ratio >= t.min;
}

function targetText(row) {
  const t = row.target;
  if (!t) return '';
  if (t.below !== undefined) return `< ${fmt(t.below)}`;
  if (t.atMost !== undefined) return `≤ ${fmt(t.atMost)}`;
  if (t.maxTimesFloor !== undefined) {
    const times = row.ours && !row.ours.error ? ` (here ${(row.ours.median / t.floor).toFixed(2)}×)` : '';
    return `≤ ${t.maxTimesFloor}× ${t.floorName}${times}`;
  }
  if (t.oursOnly) return 'listed at all';
  return t.max !== undefined ? `ratio ≤ ${Number(t.max.toFixed(2))}` : `ratio ≥ ${Number(t.min.toFixed(2))}`;
}

/** A Markdown table of the rows (also readable on a terminal). */
export function table(rows) {
  const header = ['figure', 'unit', 'virtwire: median (min–max)', 'libvirt: median (min–max)', 'ratio', 'target', 'met'];
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    const ratio = ratioOf(row);
    const met = meetsTarget(row);
    lines.push([
      row.figure,
      `${row.unit} (${row.better} is better)`,
      cell(row.ours),
      cell(row.libvirt),
      ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
      targetText(row),
      met === undefined ? '' : met ? 'yes' : 'no',
    ]);
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
