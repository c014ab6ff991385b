// Writes a test-driver node file with one domain holding many long-named snapshots (memory-bound attacks need large replies).

/** A node file with domain `big` and `count` snapshots named `s<index>-xxxx…` (`nameLength` characters), a flat list. */
export function manySnapshotsNode(count: number, nameLength: number): string {
  const name = (i: number) => `s${i}-`.padEnd(nameLength, 'x');
  const snapshots = Array.from(
    { length: count },
    (_, i) =>
      `<test:domainsnapshot><name>${name(i)}</name><state>shutoff</state><creationTime>${1_600_000_000 + i}</creationTime><active>0</active></test:domainsnapshot>`,
  ).join('\n');
  return `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <domain type='test'>
    <name>big</name>
    <uuid>0b1c2d3e-4f50-4a6b-9c8d-7e6f5a4b3c2d</uuid>
    <memory unit='KiB'>1048576</memory>
    <os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
    ${snapshots}
  </domain>
</node>
`;
}
