// @virtwire/server: start virtwired from code (tests, embedding) and implement drivers.
/**
 * virtwired from code: start a daemon, implement a driver, manage tokens.
 * @module @virtwire/server
 */
export { startDaemon, type Daemon } from './daemon.js';
export { StateDirectoryLock } from './state/state-directory-lock.js';
export { DEFAULT_LIMITS, DEFAULT_POLL_MAX_US, type DaemonLimits, type DaemonOptions, type ListenerSpec } from './daemon-options.js';
export type {
  HypervisorDriver,
  DriverConnection,
  DriverHandler,
  DriverMethod,
  DriverMethods,
  ConnectionUri,
  CallContext,
  DriverEnvironment,
  DriverLimits,
} from './drivers/driver.js';
export { advertisedMethods } from './drivers/driver.js';
export { generateToken, tokenEntry, formatTokenLine, parseTokenFile, type TokenEntry, type TokenRole } from './auth/token-format.js';
export type { TlsOptions } from './daemon-options.js';
export type { QemuDriverOptions } from './drivers/qemu/qemu-driver-options.js';
export { DomainJobs, DEFAULT_JOB_LIMITS, type DomainJobLimits, type RunningJob } from './jobs/domain-jobs.js';
export { JobTraceRecorder, type JobTraceEvent } from './jobs/job-trace.js';
export { ConfinementPolicy, confinementPolicy, type ConfinementOptions, type PathKind } from './storage/confinement-policy.js';
