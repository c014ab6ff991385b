// virsh's column tables (vshTable): a header, a rule of dashes, then rows, columns as wide as their widest cell.

/** Width of `text` on a terminal: one column per code point (virsh counts wide characters; vwsh does not). */
function displayWidth(text: string): number {
  return [...text].length;
}

/**
 * Formats a table as virsh's `vshTablePrintToStdout`: every line starts with a space, cells are
 * padded to their column's width and separated by three spaces, the last cell is not padded, and
 * the rule under the header is as long as every column plus three. Without a header (virsh's
 * `-q`), only the rows are printed, and only they set the widths.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], withHeader: boolean): string {
  const measured = withHeader ? [header, ...rows] : rows;
  const widths = header.map((_, i) => Math.max(0, ...measured.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    ' ' + cells.map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - displayWidth(cell)))).join('   ') + '\n';
  let out = '';
  if (withHeader) {
    out += line(header);
    out += '-'.repeat(widths.reduce((sum, w) => sum + w + 3, 0)) + '\n';
  }
  for (const row of rows) out += line(row);
  return out;
}
