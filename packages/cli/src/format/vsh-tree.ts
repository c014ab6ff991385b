// virsh's ASCII tree (vshTreePrint), used by `snapshot-list --tree`.

/** One node of a listing: its name and its parent's name (undefined for the roots drawn). */
export interface TreeEntry {
  readonly name: string;
  readonly parent: string | undefined;
}

/**
 * Draws every root of `entries` and its descendants as virsh does: children in list order under
 * `  |`, each as `+- name`, with `|` continuing past children that have later siblings, and a
 * line of indentation after the last child of a branch.
 */
export function formatTree(entries: readonly TreeEntry[]): string {
  const children = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    if (entry.parent === undefined) return;
    const list = children.get(entry.parent) ?? [];
    list.push(index);
    children.set(entry.parent, list);
  });
  let out = '';
  let indent = '';
  const draw = (index: number, lastSibling: number, root: boolean): void => {
    const name = entries[index]!.name;
    out += `${indent}${root ? '' : '+- '}${name}\n`;
    if (!root) indent += index === lastSibling ? '  ' : '| ';
    const kids = children.get(name) ?? [];
    const lastChild = kids.length > 0 ? kids[kids.length - 1]! : -1;
    if (lastChild !== -1) out += `${indent}  |\n`;
    indent += '  ';
    for (const kid of kids) draw(kid, lastChild, false);
    indent = indent.slice(0, -2);
    if (lastChild === -1 && index === lastSibling) out += `${indent}\n`;
    if (!root) indent = indent.slice(0, -2);
  };
  entries.forEach((entry, index) => {
    if (entry.parent === undefined) draw(index, index, true);
  });
  return out;
}
