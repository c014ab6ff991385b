// libvirt's job vocabulary beyond virDomainJobType: virDomainJobOperation and virDomainGetJobStatsFlags (include/libvirt/libvirt-domain.h).
import { flagSet } from './flag-set.js';

/** `virDomainJobOperation`: what started a job (the `operation` field of its statistics). */
export const DomainJobOperation = {
  /** `VIR_DOMAIN_JOB_OPERATION_UNKNOWN`. */
  Unknown: 0,
  /** `VIR_DOMAIN_JOB_OPERATION_START`. */
  Start: 1,
  /** `VIR_DOMAIN_JOB_OPERATION_SAVE`. */
  Save: 2,
  /** `VIR_DOMAIN_JOB_OPERATION_RESTORE`. */
  Restore: 3,
  /** `VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN`. */
  MigrationIn: 4,
  /** `VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT`. */
  MigrationOut: 5,
  /** `VIR_DOMAIN_JOB_OPERATION_SNAPSHOT`. */
  Snapshot: 6,
  /** `VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_REVERT`. */
  SnapshotRevert: 7,
  /** `VIR_DOMAIN_JOB_OPERATION_DUMP`. */
  Dump: 8,
  /** `VIR_DOMAIN_JOB_OPERATION_BACKUP`. */
  Backup: 9,
  /** `VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_DELETE` (libvirt 9.0). */
  SnapshotDelete: 10,
} as const;

/** `virDomainGetJobStatsFlags`. */
export const DomainGetJobStatsFlags = {
  /** `VIR_DOMAIN_JOB_STATS_COMPLETED`: the statistics of the domain's last completed job. */
  Completed: 1 << 0,
  /** `VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED`: reading the completed job's statistics does not forget them. */
  KeepCompleted: 1 << 1,
} as const;

/** {@link DomainGetJobStatsFlags} as a flag set. */
export const DomainGetJobStatsFlagSet = flagSet('VIR_DOMAIN_JOB_STATS_', DomainGetJobStatsFlags);

/**
 * Field names of job statistics (`virDomainGetJobStats` typed parameters and the
 * `VIR_DOMAIN_EVENT_ID_JOB_COMPLETED` event), as libvirt's `VIR_DOMAIN_JOB_*` macros spell them.
 */
export const DomainJobField = {
  /** `VIR_DOMAIN_JOB_OPERATION`: a `virDomainJobOperation` (int). */
  Operation: 'operation',
  /** `VIR_DOMAIN_JOB_TIME_ELAPSED`: ms since the job began (ullong). */
  TimeElapsed: 'time_elapsed',
  /** `VIR_DOMAIN_JOB_DATA_TOTAL`: bytes the job handles in all (ullong). */
  DataTotal: 'data_total',
  /** `VIR_DOMAIN_JOB_DATA_PROCESSED`: bytes it handled so far (ullong). */
  DataProcessed: 'data_processed',
  /** `VIR_DOMAIN_JOB_DATA_REMAINING`: bytes it has still to handle (ullong). */
  DataRemaining: 'data_remaining',
  /** `VIR_DOMAIN_JOB_MEMORY_TOTAL`: bytes of guest memory the job saves (ullong). */
  MemoryTotal: 'memory_total',
  /** `VIR_DOMAIN_JOB_MEMORY_PROCESSED`: bytes of guest memory saved so far (ullong). */
  MemoryProcessed: 'memory_processed',
  /** `VIR_DOMAIN_JOB_MEMORY_REMAINING`: bytes of guest memory still to save (ullong). */
  MemoryRemaining: 'memory_remaining',
  /** `VIR_DOMAIN_JOB_SUCCESS`: whether a completed job succeeded (boolean). */
  Success: 'success',
  /** `VIR_DOMAIN_JOB_ERRMSG`: why a completed job failed (string). */
  ErrorMessage: 'errmsg',
} as const;
