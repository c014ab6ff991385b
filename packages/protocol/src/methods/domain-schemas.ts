// Parameter and result schemas of the domain methods (see domain-methods.ts).
import * as z from 'zod';
import { DomainRefSchema, FlagsSchema, RequestKeySchema, UuidSchema } from '../reference-schemas.js';
import { NAME_MAX_LENGTH } from '../references.js';
import { XML_MAX_LENGTH } from '../xml/xml-limits.js';
import type { domainMethods } from './domain-methods.js';
import type { MethodSchema } from './method-schema.js';

const domainOnly = z.strictObject({ domain: DomainRefSchema });
const domainAndFlags = z.strictObject({ domain: DomainRefSchema, flags: FlagsSchema });
const count = z.number().int().min(0);
/** The params of a run-state change: the domain, flags, and an optional request key. */
const domainChange = z.strictObject({ domain: DomainRefSchema, flags: FlagsSchema, requestKey: RequestKeySchema });
const domainOnlyChange = z.strictObject({ domain: DomainRefSchema, requestKey: RequestKeySchema });

/** `virDomainJobInfo`: the job's type, time elapsed and remaining (ms), and its data, memory and file progress (bytes). */
export const DomainJobInfoSchema = z.strictObject({
  type: z.number().int(),
  timeElapsed: count,
  timeRemaining: count,
  dataTotal: count,
  dataProcessed: count,
  dataRemaining: count,
  memTotal: count,
  memProcessed: count,
  memRemaining: count,
  fileTotal: count,
  fileProcessed: count,
  fileRemaining: count,
});
/** Typed job statistics by libvirt's field name (`operation`, `time_elapsed`, `success`, `errmsg`). */
export const JobStatsFieldsSchema = z.record(z.string().max(80), z.union([z.number(), z.boolean(), z.string().max(1024)]));

/** A domain job's progress (`virDomainJobInfo`); its schema is DomainJobInfoSchema in `@virtwire/protocol/schemas`. */
export type DomainJobInfo = z.infer<typeof DomainJobInfoSchema>;

/** Schemas of {@link domainMethods}, by wire name. */
export const domainSchemas = {
  DomainLookupByName: () => ({ params: z.strictObject({ name: z.string().max(NAME_MAX_LENGTH) }), result: DomainRefSchema }),
  DomainLookupByUUID: () => ({ params: z.strictObject({ uuid: UuidSchema }), result: DomainRefSchema }),
  DomainLookupByID: () => ({ params: z.strictObject({ id: z.number().int().min(0).max(0x7fffffff) }), result: DomainRefSchema }),
  DomainGetXMLDesc: () => ({ params: domainAndFlags, result: z.string() }),
  DomainGetInfo: () => ({
    params: domainOnly,
    result: z.strictObject({
      state: z.number().int(),
      maxMem: z.number().int(),
      memory: z.number().int(),
      nrVirtCpu: z.number().int(),
      cpuTime: z.number().int(),
    }),
  }),
  DomainGetState: () => ({ params: domainAndFlags, result: z.strictObject({ state: z.number().int(), reason: z.number().int() }) }),
  DomainIsActive: () => ({ params: domainOnly, result: z.boolean() }),
  DomainIsPersistent: () => ({ params: domainOnly, result: z.boolean() }),
  DomainGetJobInfo: () => ({ params: domainOnly, result: DomainJobInfoSchema }),
  DomainAbortJob: () => ({ params: domainOnly, result: z.null() }),
  DomainGetJobStats: () => ({ params: domainAndFlags, result: z.strictObject({ type: z.number().int(), params: JobStatsFieldsSchema }) }),
  DomainDefineXML: () => ({
    params: z.strictObject({ xml: z.string().max(XML_MAX_LENGTH), flags: FlagsSchema, requestKey: RequestKeySchema }),
    result: DomainRefSchema,
  }),
  DomainUndefine: () => ({ params: domainChange, result: z.null() }),
  DomainCreate: () => ({ params: domainChange, result: z.null() }),
  DomainDestroy: () => ({ params: domainChange, result: z.null() }),
  DomainSuspend: () => ({ params: domainOnlyChange, result: z.null() }),
  DomainResume: () => ({ params: domainOnlyChange, result: z.null() }),
  DomainShutdown: () => ({ params: domainChange, result: z.null() }),
  DomainReboot: () => ({ params: domainChange, result: z.null() }),
  DomainReset: () => ({ params: domainChange, result: z.null() }),
  DomainGetOSType: () => ({ params: domainOnly, result: z.string() }),
  DomainGetAutostart: () => ({ params: domainOnly, result: z.boolean() }),
  DomainHasManagedSaveImage: () => ({ params: domainAndFlags, result: z.boolean() }),
  DomainGetSecurityLabel: () => ({ params: domainOnly, result: z.strictObject({ label: z.string(), enforcing: z.boolean() }) }),
} satisfies { [N in keyof typeof domainMethods]: () => MethodSchema };
