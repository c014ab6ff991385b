// Client-side errors: the connection dropped or a call timed out. Both are VirErrors, like every other failure.
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
