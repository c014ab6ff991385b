// Checks a decoded JSON-RPC message before anything is dispatched: shape, id, params and nesting depth.
import { JsonRpcErrorCode, VirError } from '@virtwire/protocol';
import type { JSONRPCRequest } from 'json-rpc-2.0';

/** Deepest nesting of arrays and objects in `value`, computed without recursion. */
export function jsonDepth(value: unknown, stopAt: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) max = depth;
    if (max > stopAt) return max;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return max;
}

/** A request that passed the envelope checks, or the error to answer it with. */
export type EnvelopeCheck = { ok: true; request: JSONRPCRequest } | { ok: false; id: string | number | null; error: VirError };

const invalid = (id: string | number | null, detail: string): EnvelopeCheck => ({
  ok: false,
  id,
  error: VirError.protocol(JsonRpcErrorCode.InvalidRequest, detail),
});

/** JSON-RPC 2.0's request rules, tightened: by-name params only, bounded scalar ids. */
export function checkEnvelope(message: unknown, maxIdLength: number): EnvelopeCheck {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return invalid(null, 'expected a request object');
  const m = message as Record<string, unknown>;
  const hasId = Object.prototype.hasOwnProperty.call(m, 'id');
  const id = m.id;
  const idOk =
    !hasId || id === null || (typeof id === 'string' && id.length <= maxIdLength) || (typeof id === 'number' && Number.isFinite(id));
  if (!idOk) return invalid(null, 'id must be a string of at most ' + maxIdLength + ' characters, a number or null');
  const replyId = (hasId ? id : null) as string | number | null;
  if (m.jsonrpc !== '2.0') return invalid(replyId, "jsonrpc must be exactly '2.0'");
  if (typeof m.method !== 'string' || m.method.length === 0 || m.method.length > 128) return invalid(replyId, 'method must be a non-empty string');
  if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null)) return invalid(replyId, 'params must be an object');
  if (Array.isArray(m.params)) {
    return { ok: false, id: replyId, error: VirError.protocol(JsonRpcErrorCode.InvalidParams, 'params must be given by name') };
  }
  const request: JSONRPCRequest = { jsonrpc: '2.0', method: m.method };
  if (m.params !== undefined) request.params = m.params;
  if (hasId) request.id = replyId;
  return { ok: true, request };
}
