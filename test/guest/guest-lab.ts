// The vitest setup of a guest test file: a scratch directory, data disks, booted guests, and their clean-up whatever happens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createDataDisk, type DataDiskOptions } from './data-disk.js';
import { guestImage, type GuestImage } from './guest-image.js';
import { bootGuest, chooseAccel, type Accel, type BootOptions, type Guest } from './guest-machine.js';

/** What a guest test file works with; usable from its first test on. */
export interface GuestLab {
  image: GuestImage;
  /** The accelerator every boot of this file uses (VIRTWIRE_GUEST_ACCEL or chooseAccel()). */
  accel: Accel;
  /** The scratch directory (removed after the file). */
  dir: string;
  /** A path in the scratch directory. */
  path(name: string): string;
  /** A new ext4 qcow2 data disk in the scratch directory. */
  dataDisk(name: string, options?: DataDiskOptions): Promise<string>;
  /** Boots a guest (killed after the file if the test did not stop it). */
  boot(options?: Omit<BootOptions, 'image'>): Promise<Guest>;
}

/** Registers the hooks of a guest test file: before all, the image and a scratch directory; after all, every guest is killed and the directory removed. */
export function useGuestLab(): GuestLab {
  const guests: Guest[] = [];
  const lab = {} as GuestLab;
  beforeAll(() => {
    lab.image = guestImage();
    lab.accel = chooseAccel();
    lab.dir = mkdtempSync(join(tmpdir(), 'vwguest-lab-'));
    lab.path = (name) => join(lab.dir, name);
    lab.dataDisk = (name, options) => createDataDisk(lab.path(name), options);
    lab.boot = async (options = {}) => {
      const guest = await bootGuest({ accel: lab.accel, ...options, image: lab.image });
      guests.push(guest);
      return guest;
    };
  });
  afterAll(async () => {
    await Promise.all(guests.map((guest) => guest.dispose()));
    if (lab.dir) rmSync(lab.dir, { recursive: true, force: true });
  });
  return lab;
}
