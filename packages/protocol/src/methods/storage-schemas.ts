// Parameter and result schemas of the storage volume methods (see storage-methods.ts).
import * as z from 'zod';
import { FlagsSchema } from '../reference-schemas.js';
import type { MethodSchema } from './method-schema.js';
import type { storageMethods } from './storage-methods.js';

/** `remote_nonnull_storage_vol`: a volume's pool, name and key (its path). */
export const StorageVolRefSchema = z.strictObject({ pool: z.string(), name: z.string(), key: z.string() });
/** A storage volume reference (`remote_nonnull_storage_vol`); its schema is StorageVolRefSchema in `@virtwire/protocol/schemas`. */
export type StorageVolRef = z.infer<typeof StorageVolRefSchema>;

/** Schemas of {@link storageMethods}, by wire name. */
export const storageSchemas = {
  StorageVolLookupByPath: () => ({ params: z.strictObject({ path: z.string().min(1).max(4096) }), result: StorageVolRefSchema }),
  StorageVolGetInfo: () => ({
    params: z.strictObject({ volume: StorageVolRefSchema, flags: FlagsSchema }),
    result: z.strictObject({ type: z.number().int(), capacity: z.number(), allocation: z.number() }),
  }),
} satisfies { [N in keyof typeof storageMethods]: () => MethodSchema };
