// Which accelerators this host offers QEMU: TCG always, KVM when its device opens read-write.
import { constants, closeSync, openSync } from 'node:fs';

/** The KVM device QEMU opens (`-accel kvm`). */
export const DEFAULT_KVM_DEVICE = '/dev/kvm';

/**
 * True when `device` opens read-write, which is what QEMU needs for `-accel kvm` (libvirt's
 * virQEMUCapsKVMUsable looks at the same thing: /dev/kvm accessible to the daemon's user).
 */
export function kvmUsable(device: string = DEFAULT_KVM_DEVICE): boolean {
  try {
    closeSync(openSync(device, constants.O_RDWR));
    return true;
  } catch {
    return false;
  }
}
