// zod schema of what a hypervisor driver advertises at ConnectOpen (the types are in capabilities.ts).
import * as z from 'zod';

/** One kind of snapshot a driver can make atomically, and for how many disks at most (null: any number). */
export const AtomicKindSchema = z.strictObject({
  location: z.enum(['internal', 'external']),
  scope: z.enum(['disk-only', 'full']),
  state: z.enum(['live', 'offline']),
  maxDisks: z.number().int().min(0).nullable(),
});

/** The capabilities a driver advertises; the client checks calls against them before sending. */
export const DriverCapabilitiesSchema = z.strictObject({
  /** Driver name, the URI scheme: `test`, `qemu`. */
  driver: z.string(),
  /** Hypervisor version as `virConnectGetVersion` encodes it (major * 1,000,000 + minor * 1,000 + micro). */
  version: z.number().int().min(0),
  /** Prefix of the driver's function names in libvirt messages: `test` gives `testDomainSnapshotCreateXML`. */
  functionPrefix: z.string(),
  /** The virErrorDomain the driver reports its own errors in (`VIR_FROM_TEST`, `VIR_FROM_QEMU`). */
  errorDomain: z.number().int(),
  /** Driver methods it implements, by wire name, each with the mask of flags it accepts. */
  methods: z.record(z.string(), z.number().int().min(0)),
  /** Snapshot kinds it makes atomically (VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC can be honoured). */
  atomic: z.array(AtomicKindSchema),
  /** True when a crash of the daemon mid-snapshot is recovered (rolled forward or back) at start-up. */
  crashConsistent: z.boolean(),
});
