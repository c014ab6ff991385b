// Domain methods: look domains up, read and change their definition, and drive their lifecycle.
import { z } from 'zod';
import { ErrorDomain } from '../errors/error-domain.js';
import { DomainXMLFlagSet, DomainXMLFlags } from '../flags/domain-flags.js';
import {
  DomainCreateFlagSet,
  DomainDefineFlagSet,
  DomainDestroyFlagSet,
  DomainShutdownFlagSet,
  DomainUndefineFlagSet,
} from '../flags/domain-lifecycle-flags.js';
import { DomainRefSchema, FlagsSchema, NAME_MAX_LENGTH, UuidSchema } from '../references.js';
import { XML_MAX_LENGTH } from '../xml/xml-limits.js';
import { defineMethod } from './define-method.js';

const domainOnly = z.strictObject({ domain: DomainRefSchema });

/** `virDomainJobType`: what kind of job a domain is running. */
export const DomainJobType = {
  /** `VIR_DOMAIN_JOB_NONE`: no job is active. */
  None: 0,
  /** `VIR_DOMAIN_JOB_BOUNDED`: a job with a finite completion time. */
  Bounded: 1,
  /** `VIR_DOMAIN_JOB_UNBOUNDED`: a job without a known completion time. */
  Unbounded: 2,
  /** `VIR_DOMAIN_JOB_COMPLETED`. */
  Completed: 3,
  /** `VIR_DOMAIN_JOB_FAILED`. */
  Failed: 4,
  /** `VIR_DOMAIN_JOB_CANCELLED`. */
  Cancelled: 5,
} as const;

const count = z.number().int().min(0);

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
/** See {@link DomainJobInfoSchema}. */
export type DomainJobInfo = z.infer<typeof DomainJobInfoSchema>;
const domainAndFlags = z.strictObject({ domain: DomainRefSchema, flags: FlagsSchema });

/** Domain methods, by wire name. libvirt's domain API raises its generic errors in VIR_FROM_DOMAIN. */
export const domainMethods = {
  /** `virDomainLookupByName`. */
  DomainLookupByName: defineMethod({
    libvirt: 'virDomainLookupByName',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    params: z.strictObject({ name: z.string().min(1).max(NAME_MAX_LENGTH) }),
    result: DomainRefSchema,
  }),
  /** `virDomainLookupByUUIDString`. */
  DomainLookupByUUID: defineMethod({
    libvirt: 'virDomainLookupByUUID',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    params: z.strictObject({ uuid: UuidSchema }),
    result: DomainRefSchema,
  }),
  /** `virDomainLookupByID`. */
  DomainLookupByID: defineMethod({
    libvirt: 'virDomainLookupByID',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    params: z.strictObject({ id: z.number().int().min(0).max(0x7fffffff) }),
    result: DomainRefSchema,
  }),
  /** `virDomainGetXMLDesc`; SECURE needs a read-write connection. */
  DomainGetXMLDesc: defineMethod({
    libvirt: 'virDomainGetXMLDesc',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    flagPermissions: [{ flag: DomainXMLFlags.Secure, permission: 'read_secure' }],
    flags: DomainXMLFlagSet,
    params: domainAndFlags,
    result: z.string(),
  }),
  /** `virDomainGetInfo`. */
  DomainGetInfo: defineMethod({
    libvirt: 'virDomainGetInfo',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    params: domainOnly,
    result: z.strictObject({
      state: z.number().int(),
      maxMem: z.number().int(),
      memory: z.number().int(),
      nrVirtCpu: z.number().int(),
      cpuTime: z.number().int(),
    }),
  }),
  /** `virDomainGetState`: state and reason. */
  DomainGetState: defineMethod({
    libvirt: 'virDomainGetState',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    params: domainAndFlags,
    result: z.strictObject({ state: z.number().int(), reason: z.number().int() }),
  }),
  /** `virDomainIsActive`. */
  DomainIsActive: defineMethod({
    libvirt: 'virDomainIsActive',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    params: domainOnly,
    result: z.boolean(),
  }),
  /** `virDomainIsPersistent`. */
  DomainIsPersistent: defineMethod({
    libvirt: 'virDomainIsPersistent',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    params: domainOnly,
    result: z.boolean(),
  }),
  /**
   * `virDomainGetJobInfo`: the state-changing job the domain is running, answered by the daemon's
   * job table (`UNBOUNDED` with the time elapsed while a job runs, `NONE` otherwise); never waits.
   */
  DomainGetJobInfo: defineMethod({
    libvirt: 'virDomainGetJobInfo',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    handledBy: 'daemon',
    params: domainOnly,
    result: DomainJobInfoSchema,
  }),
  /** `virDomainDefineXMLFlags`. */
  DomainDefineXML: defineMethod({
    libvirt: 'virDomainDefineXMLFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainDefineFlagSet,
    params: z.strictObject({ xml: z.string().max(XML_MAX_LENGTH), flags: FlagsSchema }),
    result: DomainRefSchema,
  }),
  /** `virDomainUndefineFlags`. */
  DomainUndefine: defineMethod({
    libvirt: 'virDomainUndefineFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainUndefineFlagSet,
    params: domainAndFlags,
    result: z.null(),
  }),
  /** `virDomainCreateWithFlags`: start a defined domain. */
  DomainCreate: defineMethod({
    libvirt: 'virDomainCreateWithFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainCreateFlagSet,
    params: domainAndFlags,
    result: z.null(),
  }),
  /** `virDomainDestroyFlags`. */
  DomainDestroy: defineMethod({
    libvirt: 'virDomainDestroyFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainDestroyFlagSet,
    params: domainAndFlags,
    result: z.null(),
  }),
  /** `virDomainSuspend`. */
  DomainSuspend: defineMethod({
    libvirt: 'virDomainSuspend',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    params: domainOnly,
    result: z.null(),
  }),
  /** `virDomainResume`. */
  DomainResume: defineMethod({
    libvirt: 'virDomainResume',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    params: domainOnly,
    result: z.null(),
  }),
  /** `virDomainShutdownFlags`. */
  DomainShutdown: defineMethod({
    libvirt: 'virDomainShutdownFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainShutdownFlagSet,
    params: domainAndFlags,
    result: z.null(),
  }),
};
