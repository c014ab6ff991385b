// The capabilities XML of libvirt's test host (testBuildCapabilities): an i686 host of two NUMA cells, hvm and xen guests.

/** One NUMA cell of the test host: its memory (KiB), base page size and first CPU. */
const CELLS = [
  { memoryKiB: 2097152, pageKiB: 4, firstCpu: 0 },
  { memoryKiB: 4194304, pageKiB: 8, firstCpu: 8 },
] as const;
const CPUS_PER_CELL = 8;
const PAGE_SIZES_KIB = [4, 8, 2048, 1048576];

function cell(index: number, { memoryKiB, pageKiB, firstCpu }: (typeof CELLS)[number]): string {
  const cpus = Array.from({ length: CPUS_PER_CELL }, (_, core) => {
    const id = firstCpu + core;
    return `            <cpu id='${id}' socket_id='${index}' die_id='0' core_id='${core}' siblings='${id}'/>\n`;
  }).join('');
  return (
    `        <cell id='${index}'>\n` +
    `          <memory unit='KiB'>${memoryKiB}</memory>\n` +
    `          <pages unit='KiB' size='${pageKiB}'>524288</pages>\n` +
    `          <pages unit='KiB' size='2048'>0</pages>\n` +
    `          <pages unit='KiB' size='1048576'>0</pages>\n` +
    `          <cpus num='${CPUS_PER_CELL}'>\n${cpus}          </cpus>\n` +
    `        </cell>\n`
  );
}

function guest(osType: string): string {
  return (
    '  <guest>\n' +
    `    <os_type>${osType}</os_type>\n` +
    "    <arch name='i686'>\n      <wordsize>32</wordsize>\n      <emulator>/usr/bin/test-hv</emulator>\n      <domain type='test'/>\n    </arch>\n" +
    '    <features>\n      <pae/>\n      <nonpae/>\n    </features>\n' +
    '  </guest>\n\n'
  );
}

/** The XML virConnectGetCapabilities gives on libvirt 9.0's test driver, byte for byte: NUMA cells on the built-in host only. */
export function testHostCapabilitiesXml(builtIn: boolean): string {
  const cells = builtIn ? CELLS : [];
  return (
    '<capabilities>\n\n' +
    '  <host>\n' +
    '    <cpu>\n      <arch>i686</arch>\n      <features>\n        <pae/>\n        <nonpae/>\n      </features>\n' +
    PAGE_SIZES_KIB.map((size) => `      <pages unit='KiB' size='${size}'/>\n`).join('') +
    '    </cpu>\n' +
    '    <power_management/>\n' +
    "    <iommu support='no'/>\n" +
    `    <topology>\n      <cells num='${cells.length}'>\n${cells.map((c, i) => cell(i, c)).join('')}      </cells>\n    </topology>\n` +
    '    <secmodel>\n      <model>testSecurity</model>\n      <doi></doi>\n    </secmodel>\n' +
    '  </host>\n\n' +
    guest('hvm') +
    guest('xen') +
    '</capabilities>\n'
  );
}
