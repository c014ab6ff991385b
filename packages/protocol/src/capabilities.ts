// What a hypervisor driver advertises at ConnectOpen: its methods, flag masks and atomic snapshot support (zod-free; schema in capabilities-schema.ts).
import type { z } from 'zod';
import type { AtomicKindSchema, DriverCapabilitiesSchema } from './capabilities-schema.js';

/** One kind of snapshot a driver can make atomically, and for how many disks at most (null: any number). */
export type AtomicKind = z.infer<typeof AtomicKindSchema>;

/** The capabilities a driver advertises; the client checks calls against them before sending. */
export type DriverCapabilities = z.infer<typeof DriverCapabilitiesSchema>;
