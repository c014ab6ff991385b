// Writes the <domainsnapshot> document the create form asks for (name, description, memory, per-disk choices), escaping every value.

/** How one disk takes part in a snapshot (libvirt's `<disk snapshot=...>`). */
export type DiskChoice = 'internal' | 'external' | 'no';

/** What the create form collected. */
export interface SnapshotRequest {
  name: string;
  description: string;
  /** Per disk: how it takes part, and for an external one optionally the new image's path (else the driver picks it). */
  disks: { target: string; choice: DiskChoice; source?: string }[];
  /** External memory (`<memory snapshot='external' file=...>`, libvirt requires the file); without it the driver's default (internal for a running guest). */
  memoryFile?: string;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The snapshot XML for `request`; empty name and description are left out (the daemon names the snapshot then). */
export function snapshotXml(request: SnapshotRequest): string {
  const parts = ['<domainsnapshot>'];
  if (request.name) parts.push(`<name>${escape(request.name)}</name>`);
  if (request.description) parts.push(`<description>${escape(request.description)}</description>`);
  if (request.memoryFile !== undefined) parts.push(`<memory snapshot="external" file="${escape(request.memoryFile)}"/>`);
  if (request.disks.length) {
    parts.push('<disks>');
    for (const d of request.disks) {
      const source = d.choice === 'external' && d.source ? `<source file="${escape(d.source)}"/>` : '';
      parts.push(
        source ? `<disk name="${escape(d.target)}" snapshot="external">${source}</disk>` : `<disk name="${escape(d.target)}" snapshot="${d.choice}"/>`,
      );
    }
    parts.push('</disks>');
  }
  parts.push('</domainsnapshot>');
  return parts.join('');
}
