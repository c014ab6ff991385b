// The defaults libvirt 9.0's test and QEMU drivers fill into a definition, as DriverDefaults profiles.
import { testDefaultVideoType, type DriverDefaults } from './domain-defaults.js';

/** libvirt's test driver: i686 guests of every OS type, `testnetN` interface targets, drive addresses and their controllers. */
export const TEST_DRIVER_DEFAULTS: DriverDefaults = {
  defaultArch: () => 'i686',
  serialTarget: 'port',
  interfaceTarget: (index) => `testnet${index}`,
  assignDriveAddresses: true,
  defaultVideoType: testDefaultVideoType,
};

/** libvirt's QEMU driver on an x86_64 host, before its machine-specific devices and PCI addresses. */
export const QEMU_DRIVER_DEFAULTS: DriverDefaults = {
  defaultArch: () => 'x86_64',
  serialTarget: 'isa-serial',
  assignDriveAddresses: true,
  qxlVgamem: true,
  diskFdPassing: true,
  implicitUsb: true,
};
