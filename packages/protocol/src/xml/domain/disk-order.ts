// Where libvirt puts each disk among the others as it parses them (virDomainDiskInsert), by bus as given and target index.
import type { DeviceSpec, DiskSpec } from './domain-spec.js';

/** libvirt's virDiskNameToIndex: `vda` -> 0, `sdaa` -> 26, `hdb1` -> 1; -1 for a name it cannot read. */
export function diskNameToIndex(name: string): number {
  const prefix = ['fd', 'hd', 'vd', 'sd', 'xvd', 'ubd'].find((p) => name.startsWith(p));
  if (prefix === undefined) return -1;
  const match = /^([a-z]+)(\d*)$/.exec(name.slice(prefix.length));
  if (!match) return -1;
  let index = 0;
  [...match[1]!].forEach((c, i) => {
    index = (index + (i < 1 ? 0 : 1)) * 26 + (c.charCodeAt(0) - 97);
  });
  return index;
}

/**
 * Inserts `disk` among the disks of `devices` as virDomainDiskInsert does: before the first disk of
 * the same bus (as written, none counting as one bus) whose target index is higher, else after the
 * last disk of that bus, else at the end.
 */
export function insertDisk(devices: DeviceSpec[], disk: DiskSpec): void {
  const disks = devices.flatMap((d, at) => (d.kind === 'disk' ? [{ d, at }] : []));
  let insertAt = -1;
  const index = diskNameToIndex(disk.target.dev);
  for (let i = disks.length - 1; i >= 0; i--) {
    const current = disks[i]!.d;
    if (current.target.bus !== disk.target.bus) continue;
    if (diskNameToIndex(current.target.dev) > index) insertAt = i;
    else if (insertAt === -1) insertAt = i + 1;
  }
  if (insertAt === -1 || insertAt >= disks.length) {
    const last = disks[disks.length - 1];
    devices.splice(last ? last.at + 1 : devices.length, 0, disk);
    return;
  }
  devices.splice(disks[insertAt]!.at, 0, disk);
}
