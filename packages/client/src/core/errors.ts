// Client-side errors: the connection dropped, a call timed out, or its caller cancelled it. All are VirErrors, like every other failure.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';

const closedBrand = Symbol.for('virtwire.ConnectionClosedError');

/** Raised for every pending and later call once the connection is gone (libvirt: "client socket is closed"). */
export class ConnectionClosedError extends VirError {
  readonly [closedBrand] = true;

  constructor(reason: string) {
    super({ code: ErrorNumber.Rpc, domain: ErrorDomain.Rpc, message: `connection closed: ${reason}`, str1: '%s', str2: reason });
    this.name = 'ConnectionClosedError';
  }

  /** True for a ConnectionClosedError from any copy of this package. */
  static isInstance(value: unknown): value is ConnectionClosedError {
    return typeof value === 'object' && value !== null && (value as { [closedBrand]?: boolean })[closedBrand] === true;
  }
}

/** Raised when a call did not finish within the caller's timeout; the daemon may still complete it. */
export class CallTimeoutError extends VirError {
  constructor(method: string, timeoutMs: number) {
    super({
      code: ErrorNumber.OperationTimeout,
      domain: ErrorDomain.Rpc,
      message: `Timed out during operation: ${method} did not answer within ${timeoutMs} ms`,
    });
    this.name = 'CallTimeoutError';
  }
}

/**
 * Raised when the caller's AbortSignal cancelled a call the daemon cannot stop part-way (anything
 * but a snapshot creation, revert or delete): it fails at once, and the daemon was asked to cancel
 * it (a call still waiting for its domain's job never runs; one running may complete).
 */
export class CallAbortedError extends VirError {
  constructor(method: string) {
    super({
      code: ErrorNumber.OperationAborted,
      domain: ErrorDomain.Rpc,
      message: `operation aborted: ${method} was cancelled by the caller`,
      str1: 'operation aborted: %s',
      str2: `${method} was cancelled by the caller`,
    });
    this.name = 'CallAbortedError';
  }
}
