// Storage volume methods: enough of libvirt's storage API to see which image files exist.
import { z } from 'zod';
import { ErrorDomain } from '../errors/error-domain.js';
import { FlagsSchema } from '../references.js';
import { defineMethod } from './define-method.js';

/** `remote_nonnull_storage_vol`: a volume's pool, name and key (its path). */
export const StorageVolRefSchema = z.strictObject({ pool: z.string(), name: z.string(), key: z.string() });
/** See {@link StorageVolRefSchema}. */
export type StorageVolRef = z.infer<typeof StorageVolRefSchema>;

/** Storage methods, by wire name. */
export const storageMethods = {
  /** `virStorageVolLookupByPath`: the volume at an absolute path, or VIR_ERR_NO_STORAGE_VOL. */
  StorageVolLookupByPath: defineMethod({
    libvirt: 'virStorageVolLookupByPath',
    errorDomain: ErrorDomain.Storage,
    permission: 'read',
    params: z.strictObject({ path: z.string().min(1).max(4096) }),
    result: StorageVolRefSchema,
  }),
  /** `virStorageVolGetInfo`: type, capacity and allocation in bytes. */
  StorageVolGetInfo: defineMethod({
    libvirt: 'virStorageVolGetInfo',
    errorDomain: ErrorDomain.Storage,
    permission: 'read',
    params: z.strictObject({ volume: StorageVolRefSchema, flags: FlagsSchema }),
    result: z.strictObject({ type: z.number().int(), capacity: z.number(), allocation: z.number() }),
  }),
};
