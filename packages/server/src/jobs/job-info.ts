// The answer to virDomainGetJobInfo, built from the job a domain is running.
import { DomainJobType, type DomainJobInfo } from '@virtwire/protocol';
import type { RunningJob } from './domain-jobs.js';

/**
 * libvirt's `virDomainJobInfo` for `job`: `VIR_DOMAIN_JOB_UNBOUNDED` with the whole milliseconds
 * elapsed while a job runs (virtwire's jobs report no progress figures), `VIR_DOMAIN_JOB_NONE` and
 * zeros otherwise, as libvirt reports a domain without an active job.
 */
export function domainJobInfo(job: RunningJob | undefined, now = performance.now()): DomainJobInfo {
  return {
    type: job ? DomainJobType.Unbounded : DomainJobType.None,
    timeElapsed: job ? Math.max(0, Math.floor(now - job.startedAt)) : 0,
    timeRemaining: 0,
    dataTotal: 0,
    dataProcessed: 0,
    dataRemaining: 0,
    memTotal: 0,
    memProcessed: 0,
    memRemaining: 0,
    fileTotal: 0,
    fileProcessed: 0,
    fileRemaining: 0,
  };
}
