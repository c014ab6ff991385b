// One error class for libvirt errors (virError) and its mapping to and from a JSON-RPC error object.
import { ErrorNumber, errorMessageFormat } from './error-number.js';
import { ErrorDomain } from './error-domain.js';
import { JsonRpcErrorCode, jsonRpcErrorMessage, type JsonRpcErrorCodeValue } from './jsonrpc-codes.js';

/** `virErrorLevel`: libvirt reports everything here as `VIR_ERR_ERROR`. */
export const ErrorLevel = { None: 0, Warning: 1, Error: 2 } as const;

/** What happened to one disk during a failed snapshot: virtwire's per-disk report. */
export interface DiskOutcome {
  /** Target device name, e.g. `vda`. */
  disk: string;
  /** `changed`: the disk now uses its new image; `rolled-back`: prepared then undone; `untouched`: never reached. */
  outcome: 'changed' | 'rolled-back' | 'untouched';
  /** The disk's source after the failure (what the domain XML now says). */
  source?: string;
  /** Why this disk failed, for the disk that failed. */
  reason?: string;
}

/** Extra, non-libvirt facts an error may carry on the wire. */
export interface VirErrorExtra {
  /** Per-disk report of a failed snapshot (virtwire extension). */
  disks?: DiskOutcome[];
  /** Correlation id of an internal error, to find it in the daemon's log. */
  correlationId?: string;
}

/** The fields of libvirt's `virError` that travel on the wire. */
export interface VirErrorFields extends VirErrorExtra {
  code: number;
  domain: number;
  message: string;
  level?: number;
  str1?: string | null;
  str2?: string | null;
  str3?: string | null;
  int1?: number;
  int2?: number;
}

/** The JSON-RPC error object virtwire sends for a libvirt error. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

const brand = Symbol.for('virtwire.VirError');

/**
 * A libvirt error (`virError`): `code` is the virErrorNumber, `domain` the virErrorDomain,
 * `message` libvirt's exact text. Protocol-level faults use the same class with a negative
 * JSON-RPC code and domain `VIR_FROM_RPC`.
 */
export class VirError extends Error implements VirErrorFields {
  readonly code: number;
  readonly domain: number;
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;
  readonly disks?: DiskOutcome[];
  readonly correlationId?: string;
  readonly [brand] = true;

  constructor(fields: VirErrorFields) {
    super(fields.message);
    this.name = 'VirError';
    this.code = fields.code;
    this.domain = fields.domain;
    this.level = fields.level ?? ErrorLevel.Error;
    this.str1 = fields.str1 ?? null;
    this.str2 = fields.str2 ?? null;
    this.str3 = fields.str3 ?? null;
    this.int1 = fields.int1 ?? -1;
    this.int2 = fields.int2 ?? -1;
    if (fields.disks) this.disks = fields.disks;
    if (fields.correlationId) this.correlationId = fields.correlationId;
  }

  /** True for any VirError, even one from another copy of this package. */
  static is(value: unknown): value is VirError {
    return typeof value === 'object' && value !== null && (value as { [brand]?: boolean })[brand] === true;
  }

  /**
   * An error raised the way libvirt's `virReportError(code, "%s", detail)` does: the message is the
   * code's format applied to `detail`, str1 the format, str2 the detail, int1 = int2 = -1.
   */
  static report(code: number, domain: number, detail: string, extra: VirErrorExtra = {}): VirError {
    const format = errorMessageFormat[code] ?? '%s';
    return new VirError({
      code,
      domain,
      message: format.replace('%s', detail),
      str1: format,
      str2: detail,
      int1: -1,
      int2: -1,
      ...extra,
    });
  }

  /**
   * An error raised the way libvirt's `virReportInvalidArg` does (flag checks): code
   * VIR_ERR_INVALID_ARG, no message prefix, str1 = the C function, str2 = the argument name, ints 0.
   */
  static invalidArg(domain: number, functionName: string, argument: string, message: string): VirError {
    return new VirError({
      code: ErrorNumber.InvalidArg,
      domain,
      message,
      str1: functionName,
      str2: argument,
      int1: 0,
      int2: 0,
    });
  }

  /** A protocol-level fault (-32700 ... -32603) with the standard message, plus optional detail. */
  static protocol(code: JsonRpcErrorCodeValue, detail?: string, extra: VirErrorExtra = {}): VirError {
    const base = jsonRpcErrorMessage[code];
    return new VirError({
      code,
      domain: ErrorDomain.Rpc,
      message: detail ? `${base}: ${detail}` : base,
      ...extra,
    });
  }

  /** The JSON-RPC error object: code = virErrorNumber, message = libvirt's text, data = the rest. */
  toJsonRpc(): JsonRpcErrorObject {
    const data: Record<string, unknown> = {
      domain: this.domain,
      level: this.level,
      str1: this.str1,
      str2: this.str2,
      str3: this.str3,
      int1: this.int1,
      int2: this.int2,
    };
    if (this.disks) data.disks = this.disks;
    if (this.correlationId) data.correlationId = this.correlationId;
    return { code: this.code, message: this.message, data };
  }

  /** Rebuilds a VirError from a JSON-RPC error object (tolerating missing or odd `data`). */
  static fromJsonRpc(error: JsonRpcErrorObject): VirError {
    const data = (typeof error.data === 'object' && error.data !== null ? error.data : {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    const int = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) ? v : fallback);
    const fields: VirErrorFields = {
      code: int(error.code, JsonRpcErrorCode.InternalError),
      domain: int(data.domain, ErrorDomain.Rpc),
      message: typeof error.message === 'string' ? error.message : 'unknown error',
      level: int(data.level, ErrorLevel.Error),
      str1: str(data.str1),
      str2: str(data.str2),
      str3: str(data.str3),
      int1: int(data.int1, -1),
      int2: int(data.int2, -1),
    };
    if (Array.isArray(data.disks)) fields.disks = data.disks as DiskOutcome[];
    if (typeof data.correlationId === 'string') fields.correlationId = data.correlationId;
    return new VirError(fields);
  }
}
