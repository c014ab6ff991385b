// Storage volume methods: enough of libvirt's storage API to see which image files exist.
import { ErrorDomain } from '../errors/error-domain.js';
import { defineMethod } from './method-spec.js';

/** Storage methods, by wire name. */
export const storageMethods = {
  /** `virStorageVolLookupByPath`: the volume at an absolute path, or VIR_ERR_NO_STORAGE_VOL. */
  StorageVolLookupByPath: defineMethod({
    libvirt: 'virStorageVolLookupByPath',
    errorDomain: ErrorDomain.Storage,
    permission: 'read',
  }),
  /** `virStorageVolGetInfo`: type, capacity and allocation in bytes. */
  StorageVolGetInfo: defineMethod({
    libvirt: 'virStorageVolGetInfo',
    errorDomain: ErrorDomain.Storage,
    permission: 'read',
  }),
};
