// The undocumented divergences of a fuzz run, grouped by class, each printed with its shortest example.

/** One example of a class: the case, what led to the divergence, and each side's output there. */
export interface Example {
  id: string;
  /** The steps or commands up to and including the one that diverged. */
  path: readonly unknown[];
  libvirt: unknown;
  virtwire: unknown;
}

/** Divergences by class name. */
export class DivergenceClasses {
  private readonly byName = new Map<string, Example[]>();

  add(name: string, example: Example): void {
    this.byName.set(name, [...(this.byName.get(name) ?? []), example]);
  }

  /** How many divergences were added. */
  get count(): number {
    return [...this.byName.values()].reduce((n, list) => n + list.length, 0);
  }

  /** The class names, for the run's assertion (none when every divergence was documented). */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Every class, the largest first, with its shortest example, as lines for the log. */
  describe(): string {
    return [...this.byName]
      .sort((a, b) => b[1].length - a[1].length)
      .map(([name, list]) => {
        const e = list.reduce((a, b) => (b.path.length < a.path.length ? b : a));
        return `  ${list.length} × ${name}\n    e.g. ${e.id}: ${JSON.stringify(e.path)}\n    libvirt  ${JSON.stringify(e.libvirt)}\n    virtwire ${JSON.stringify(e.virtwire)}`;
      })
      .join('\n');
  }

  toJSON(): Record<string, Example[]> {
    return Object.fromEntries(this.byName);
  }
}
