// Checks a JSON-RPC message before anything is dispatched: nesting depth of the raw text, then envelope, then params shape.
import { JsonRpcErrorCode, VirError } from '@virtwire/protocol';

/**
 * True when the raw JSON text nests arrays and objects deeper than `maxDepth`. One pass over the
 * characters, honouring strings and escapes, so a deep document is refused before `JSON.parse`
 * spends time on it (and before any recursive consumer could overflow its stack).
 */
export function jsonTextTooDeep(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The parts of a request the daemon reads before it knows whether the caller may call the method. */
export interface RequestHeader {
  method: string;
  /** Present (possibly null) for calls; absent for notifications. */
  id?: string | number | null;
  /** The raw params, not looked at yet. */
  params: unknown;
}

/** A request whose envelope passed, or the error to answer it with (and the id to answer it under). */
export type EnvelopeCheck = { ok: true; header: RequestHeader } | { ok: false; id: string | number | null; error: VirError };

const invalid = (id: string | number | null, detail: string): EnvelopeCheck => ({
  ok: false,
  id,
  error: VirError.protocol(JsonRpcErrorCode.InvalidRequest, detail),
});

/**
 * JSON-RPC 2.0's request rules, tightened: ids are strings of bounded length or safe integers
 * (anything else would not survive a round trip), `jsonrpc` is exactly "2.0", the method a short
 * string. Params are deliberately not examined here: the permission check comes first.
 */
export function checkEnvelope(message: unknown, maxIdLength: number): EnvelopeCheck {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return invalid(null, 'expected a request object');
  const m = message as Record<string, unknown>;
  const hasId = Object.prototype.hasOwnProperty.call(m, 'id');
  const id = m.id;
  const idOk = !hasId || id === null || (typeof id === 'string' && id.length <= maxIdLength) || Number.isSafeInteger(id);
  if (!idOk) return invalid(null, `id must be a string of at most ${maxIdLength} characters, a safe integer or null`);
  const replyId = (hasId ? id : null) as string | number | null;
  if (m.jsonrpc !== '2.0') return invalid(replyId, "jsonrpc must be exactly '2.0'");
  if (typeof m.method !== 'string' || m.method.length === 0 || m.method.length > 128) return invalid(replyId, 'method must be a non-empty string');
  if (Object.prototype.hasOwnProperty.call(m, 'result') || Object.prototype.hasOwnProperty.call(m, 'error')) {
    return invalid(replyId, 'a request carries no result or error');
  }
  const header: RequestHeader = { method: m.method, params: m.params };
  if (hasId) header.id = replyId;
  return { ok: true, header };
}

/** Params must be absent or an object: by-name only, as every virtwire method takes them. */
export function checkParamsShape(params: unknown): VirError | undefined {
  if (params === undefined) return undefined;
  if (typeof params !== 'object' || params === null) return VirError.protocol(JsonRpcErrorCode.InvalidRequest, 'params must be an object');
  if (Array.isArray(params)) return VirError.protocol(JsonRpcErrorCode.InvalidParams, 'params must be given by name');
  return undefined;
}
