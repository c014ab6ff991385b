// Typed errors raised by the QEMU engine (QMP, qemu-img, process lifecycle, preconditions).

/** Base class of every error the engine raises on purpose; `code` is stable and machine-readable. */
export class EngineError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** QEMU answered a QMP command with `{"error": {"class", "desc"}}`. Almost every class is GenericError: branch on the command, not on `class`. */
export class QmpError extends EngineError {
  readonly class: string;
  readonly desc: string;
  readonly command: string;
  constructor(command: string, errorClass: string, desc: string) {
    super('qmp-error', `${command}: ${desc}`);
    this.class = errorClass;
    this.desc = desc;
    this.command = command;
  }
}

/** A QMP command got no reply within its timeout. The command may still run inside QEMU. */
export class QmpTimeoutError extends EngineError {
  readonly command: string;
  constructor(command: string, timeoutMs: number) {
    super('qmp-timeout', `${command}: no reply from QEMU within ${timeoutMs} ms`);
    this.command = command;
  }
}

/** The QMP connection closed (QEMU exited, or close() was called) before the reply or event arrived. */
export class QmpClosedError extends EngineError {
  constructor(detail: string) {
    super('qmp-closed', `QMP connection closed: ${detail}`);
  }
}

/** QEMU sent something that breaks the protocol (oversized line, bad JSON, reply with an unknown id). The connection is closed. */
export class QmpProtocolError extends EngineError {
  constructor(detail: string) {
    super('qmp-protocol', `QMP protocol violation: ${detail}`);
  }
}

/** The QMP socket could not be connected to, or the greeting/negotiation did not complete in time. */
export class QmpConnectError extends EngineError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('qmp-connect', detail, options);
  }
}

/** A QEMU job (blockdev-create, snapshot-save, block-commit, ...) concluded with an error, reported by query-jobs. */
export class QemuJobError extends EngineError {
  readonly jobId: string;
  readonly jobType: string;
  /** QEMU's error text from `query-jobs[].error`. */
  readonly desc: string;
  constructor(jobId: string, jobType: string, desc: string) {
    super('qemu-job-failed', `${jobType} job ${jobId} failed: ${desc}`);
    this.jobId = jobId;
    this.jobType = jobType;
    this.desc = desc;
  }
}

/** qemu-img exited non-zero (or was killed). `message` is qemu-img's first stderr line, trimmed. */
export class QemuImgError extends EngineError {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(args: readonly string[], exitCode: number | null, stderr: string, fallback: string) {
    super('qemu-img-failed', firstLine(stderr) || fallback);
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** QEMU could not be started, or exited before QMP became ready. `logTail` holds the end of its stderr log. */
export class QemuLaunchError extends EngineError {
  readonly logTail: string;
  constructor(detail: string, logTail: string, options?: { cause?: unknown }) {
    super('qemu-launch-failed', logTail ? `${detail}: ${firstLine(logTail)}` : detail, options);
    this.logTail = logTail;
  }
}

/** No live QEMU process matches the runtime directory (no pidfile, dead pid, or a pid that is not our guest). */
export class QemuNotRunningError extends EngineError {
  constructor(detail: string) {
    super('qemu-not-running', detail);
  }
}

/** A request was rejected before anything was changed (bad argument, missing disk, existing file, tag clash, ...). */
export class PreconditionError extends EngineError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * Returns the first meaningful line of `text`, trimmed, with qemu-img's "qemu-img: " prefix removed.
 * qemu-img's failed attempt to delete a half-created file ("Error when deleting file /dev/fd/3")
 * is skipped when a later line carries the real cause.
 */
export function firstLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim().replace(/^qemu-img: /, ''))
    .filter((l) => l.length > 0);
  return lines.find((l) => !l.startsWith('Error when deleting file ')) ?? lines[0] ?? '';
}

/**
 * An errno error of a call on an open file (write, truncate, fsync) names no file: the same error
 * naming `path`, so that a report can say which file failed. Any other error is returned as it is.
 */
export function namingFile(error: unknown, path: string): Error {
  const cause = asError(error) as NodeJS.ErrnoException;
  if (typeof cause.code !== 'string' || cause.path !== undefined || cause instanceof EngineError) return cause;
  return Object.assign(new Error(`${cause.message}, '${path}'`, { cause }), { code: cause.code, errno: cause.errno, syscall: cause.syscall, path });
}

/** Turns any thrown value into an Error. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
