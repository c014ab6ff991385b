// Domain methods: look domains up, read and change their definition, and drive their lifecycle.
import { ErrorDomain } from '../errors/error-domain.js';
import { DomainXMLFlagSet, DomainXMLFlags } from '../flags/domain-flags.js';
import {
  DomainCreateFlagSet,
  DomainDefineFlagSet,
  DomainDestroyFlagSet,
  DomainRebootFlagSet,
  DomainShutdownFlagSet,
  DomainUndefineFlagSet,
} from '../flags/domain-lifecycle-flags.js';
import { DomainGetJobStatsFlagSet, DomainJobOperation } from '../flags/domain-job-flags.js';
import { defineMethod } from './method-spec.js';

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

/** Domain methods, by wire name. libvirt's domain API raises its generic errors in VIR_FROM_DOMAIN. */
export const domainMethods = {
  /** `virDomainLookupByName`. */
  DomainLookupByName: defineMethod({
    libvirt: 'virDomainLookupByName',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainLookupByUUIDString`. */
  DomainLookupByUUID: defineMethod({
    libvirt: 'virDomainLookupByUUID',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainLookupByID`. */
  DomainLookupByID: defineMethod({
    libvirt: 'virDomainLookupByID',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainGetXMLDesc`; SECURE needs a read-write connection. */
  DomainGetXMLDesc: defineMethod({
    libvirt: 'virDomainGetXMLDesc',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    flagPermissions: [{ flag: DomainXMLFlags.Secure, permission: 'read_secure' }],
    flags: DomainXMLFlagSet,
  }),
  /** `virDomainGetInfo`. */
  DomainGetInfo: defineMethod({
    libvirt: 'virDomainGetInfo',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainGetState`: state and reason. */
  DomainGetState: defineMethod({
    libvirt: 'virDomainGetState',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainIsActive`. */
  DomainIsActive: defineMethod({
    libvirt: 'virDomainIsActive',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainIsPersistent`. */
  DomainIsPersistent: defineMethod({
    libvirt: 'virDomainIsPersistent',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
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
  }),
  /**
   * `virDomainGetJobStats`: the running job's statistics as libvirt's typed fields (`operation`,
   * `time_elapsed`), or with VIR_DOMAIN_JOB_STATS_COMPLETED the domain's last completed job's
   * (type COMPLETED or FAILED, with `success` and `errmsg`); answered by the daemon's job table.
   */
  DomainGetJobStats: defineMethod({
    libvirt: 'virDomainGetJobStats',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
    flags: DomainGetJobStatsFlagSet,
    handledBy: 'daemon',
  }),
  /**
   * `virDomainAbortJob`: asks the domain's running job to stop. Honoured by a snapshot creation of
   * the qemu driver up to its commit point (the job then fails with VIR_ERR_OPERATION_ABORTED and
   * changes nothing); refused with VIR_ERR_OPERATION_INVALID when no job runs, the job cannot be
   * aborted, or it passed its commit point. Answers once the job honoured or refused it.
   */
  DomainAbortJob: defineMethod({
    libvirt: 'virDomainAbortJob',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    handledBy: 'daemon',
  }),
  /** `virDomainDefineXMLFlags`. */
  DomainDefineXML: defineMethod({
    libvirt: 'virDomainDefineXMLFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainDefineFlagSet,
    locks: 'defined-domain',
    xml: 'domain',
  }),
  /** `virDomainUndefineFlags`. */
  DomainUndefine: defineMethod({
    libvirt: 'virDomainUndefineFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainUndefineFlagSet,
  }),
  /** `virDomainCreateWithFlags`: start a defined domain. */
  DomainCreate: defineMethod({
    libvirt: 'virDomainCreateWithFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainCreateFlagSet,
    jobOperation: DomainJobOperation.Start,
  }),
  /** `virDomainDestroyFlags`. */
  DomainDestroy: defineMethod({
    libvirt: 'virDomainDestroyFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainDestroyFlagSet,
  }),
  /** `virDomainSuspend`. */
  DomainSuspend: defineMethod({
    libvirt: 'virDomainSuspend',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
  }),
  /** `virDomainResume`. */
  DomainResume: defineMethod({
    libvirt: 'virDomainResume',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
  }),
  /** `virDomainShutdownFlags`. */
  DomainShutdown: defineMethod({
    libvirt: 'virDomainShutdownFlags',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainShutdownFlagSet,
  }),
  /** `virDomainReboot`. */
  DomainReboot: defineMethod({
    libvirt: 'virDomainReboot',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainRebootFlagSet,
  }),
  /** `virDomainReset`. */
  DomainReset: defineMethod({
    libvirt: 'virDomainReset',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
  }),
  /** `virDomainGetOSType`: `hvm`, or `linux` on libvirt's test driver. */
  DomainGetOSType: defineMethod({
    libvirt: 'virDomainGetOSType',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainGetAutostart`. */
  DomainGetAutostart: defineMethod({
    libvirt: 'virDomainGetAutostart',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainHasManagedSaveImage`. */
  DomainHasManagedSaveImage: defineMethod({
    libvirt: 'virDomainHasManagedSaveImage',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
  /** `virDomainGetSecurityLabel`: the running domain's label (empty while it is shut off). */
  DomainGetSecurityLabel: defineMethod({
    libvirt: 'virDomainGetSecurityLabel',
    errorDomain: ErrorDomain.Domain,
    permission: 'read',
  }),
};
