// Turns the engine's failures (errno errors, QMP and job errors, qemu-img errors, preconditions) into libvirt errors with a per-disk report.
import { ErrorDomain, ErrorNumber, VirError, type DiskOutcome } from '@virtwire/protocol';
import { EngineError, PreconditionError, QemuImgError, QemuJobError, QmpError, type DiskReport, type OperationResult } from './engine/index.js';

/** libc's strerror texts for the errno codes image operations meet. */
const STRERROR: Readonly<Record<string, string>> = {
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ELOOP: 'Too many levels of symbolic links',
  EIO: 'Input/output error',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
};

/** Texts that mark a QEMU or qemu-img error as an operating-system failure. */
const OS_FAILURE = new RegExp(
  Object.values(STRERROR)
    .map((t) => t.replace(/[/]/g, '\\/'))
    .join('|'),
);

/** The errno code of a Node filesystem error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** The human text of any error: strerror for errno errors, QEMU's own text otherwise. */
export function reasonText(error: unknown): string {
  const code = errnoCode(error);
  if (code !== undefined && !(error instanceof EngineError)) return STRERROR[code] ?? code;
  if (error instanceof QmpError || error instanceof QemuJobError) return error.desc;
  // qemu-img writes reserved files through /dev/fd/3: that name means nothing to the caller
  if (error instanceof QemuImgError) return error.message.replace(/^\/dev\/fd\/\d+: /, '');
  return error instanceof Error ? error.message : String(error);
}

/** True when the error is the operating system refusing (read-only, full, denied ...). */
export function isSystemFailure(error: unknown): boolean {
  if (errnoCode(error) !== undefined && !(error instanceof EngineError)) return true;
  return OS_FAILURE.test(reasonText(error));
}

/** One disk an operation worked on, for reports: its target, new image (if any) and current source. */
export interface ReportedDisk {
  target: string;
  overlayPath?: string;
  /** The disk's source as the domain XML says after the failure. */
  source?: string;
}

/**
 * The disk an error is about: a filesystem error's path, the target in a job id (`vw-vdb-create-...`),
 * or the target the failed engine step names (`offline-external:create:vdb`).
 */
export function failedDiskOf(error: unknown, disks: readonly ReportedDisk[], step = ''): ReportedDisk | undefined {
  const byStep = disks.find((d) => step.endsWith(`:${d.target}`));
  if (byStep) return byStep;
  const path = (error as { path?: unknown } | null)?.path;
  if (typeof path === 'string') {
    const byPath = disks.find((d) => d.overlayPath === path);
    if (byPath) return byPath;
  }
  if (error instanceof QemuJobError) return disks.find((d) => error.jobId.startsWith(`vw-${d.target}-`));
  if (error instanceof QemuImgError) return disks.find((d) => error.args.some((a) => a === d.overlayPath));
  const text = error instanceof Error ? error.message : '';
  return disks.find((d) => (d.overlayPath !== undefined && text.includes(d.overlayPath)) || text.includes(`disk ${d.target} `));
}

const engineOutcome = (report: DiskReport | undefined): DiskOutcome['outcome'] => {
  switch (report?.outcome) {
    case 'done':
    case 'inconsistent':
      return 'changed';
    case 'rolled-back':
      return 'rolled-back';
    default:
      return 'untouched';
  }
};

/**
 * The libvirt error for a failed engine operation: which disk failed and why (errno texts as
 * libc prints them), code VIR_ERR_SYSTEM_ERROR for operating-system failures, VIR_ERR_OPERATION_FAILED
 * otherwise, and the per-disk report in `disks`.
 */
export function operationError(result: Extract<OperationResult, { ok: false }>, action: string, disks: readonly ReportedDisk[]): VirError {
  const failed = failedDiskOf(result.error, disks, result.step);
  const reason = reasonText(result.error);
  let code: number = isSystemFailure(result.error) ? ErrorNumber.SystemError : ErrorNumber.OperationFailed;
  if (result.error instanceof PreconditionError) code = preconditionCode(result.error);
  const subject =
    failed?.overlayPath !== undefined
      ? `${action} '${failed.overlayPath}' for disk '${failed.target}'`
      : failed
        ? `${action} for disk '${failed.target}'`
        : action;
  const detail = `${subject}: ${reason}`;
  const error = VirError.report(code, ErrorDomain.Qemu, detail);
  const reports = disks.map((disk): DiskOutcome => {
    const report = result.disks.find((r) => r.target === disk.target);
    const outcome: DiskOutcome = { disk: disk.target, outcome: engineOutcome(report) };
    if (disk.source !== undefined) outcome.source = disk.source;
    if (disk === failed) outcome.reason = error.message;
    else if (report?.outcome === 'inconsistent' && report.detail) outcome.reason = report.detail;
    return outcome;
  });
  return VirError.report(code, ErrorDomain.Qemu, detail, { disks: reports });
}

function preconditionCode(error: PreconditionError): number {
  switch (error.code) {
    case 'block-job-running':
      return ErrorNumber.OperationInvalid;
    case 'overlay-exists':
    case 'overlay-mismatch':
    case 'unsupported-format':
    case 'read-only-disk':
      return ErrorNumber.ConfigUnsupported;
    default:
      return ErrorNumber.OperationFailed;
  }
}
