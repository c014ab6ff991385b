// In-process unit tests of the JSON-RPC envelope checks: nesting depth of raw text, the request envelope, params shape.
import { JsonRpcErrorCode, VirError } from '@virtwire/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEnvelope, checkParamsShape, jsonTextTooDeep } from '../../src/rpc/json-envelope.js';

/** Nesting depth of a parsed JSON value: arrays and objects count one level each. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

const MAX_ID = 64;

describe('jsonTextTooDeep', () => {
  it('agrees with the depth of the parsed document, strings with brackets and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 14 }), (value, maxDepth) => {
        const text = JSON.stringify(value);
        expect(jsonTextTooDeep(text, maxDepth)).toBe(depthOf(JSON.parse(text)) > maxDepth);
      }),
      { numRuns: 500 },
    );
  });

  it('is not fooled by brackets and escaped quotes inside strings', () => {
    expect(jsonTextTooDeep(JSON.stringify({ a: '[[[[{{{{\\"[[[[' }), 1)).toBe(false);
    expect(jsonTextTooDeep(JSON.stringify(['\\', [[]]]), 2)).toBe(true);
  });

  it('refuses a deep document in one pass without parsing it', () => {
    expect(jsonTextTooDeep('['.repeat(100_000), 64)).toBe(true);
  });
});

describe('checkEnvelope', () => {
  const request = (overrides: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 1, method: 'ConnectGetVersion', ...overrides });
  const refused = (message: unknown) => {
    const check = checkEnvelope(message, MAX_ID);
    if (check.ok) throw new Error(`accepted ${JSON.stringify(message)}`);
    expect(check.error).toBeInstanceOf(VirError);
    expect(check.error.code).toBe(JsonRpcErrorCode.InvalidRequest);
    return check;
  };

  it('accepts every well-formed call and notification, keeping method, id and params untouched', () => {
    const id = fc.oneof(fc.constant(null), fc.string({ maxLength: MAX_ID }), fc.maxSafeInteger(), fc.integer());
    fc.assert(
      fc.property(fc.option(id, { nil: undefined }), fc.string({ minLength: 1, maxLength: 128 }), fc.jsonValue(), (maybeId, method, params) => {
        const message: Record<string, unknown> = { jsonrpc: '2.0', method, params };
        if (maybeId !== undefined) message.id = maybeId;
        const check = checkEnvelope(message, MAX_ID);
        expect(check).toEqual({ ok: true, header: maybeId === undefined ? { method, params } : { method, params, id: maybeId } });
      }),
    );
  });

  it('refuses what is not a request object', () => {
    for (const message of [null, 1, 'x', [], [request({})], true]) expect(refused(message).id).toBeNull();
  });

  it('refuses ids that would not survive a round trip, answering under id null', () => {
    for (const id of ['x'.repeat(MAX_ID + 1), 1.5, 2 ** 53, -(2 ** 53), {}, [], true, Number.NaN]) expect(refused(request({ id })).id).toBeNull();
  });

  it("refuses a wrong jsonrpc, a missing or overlong method, and a request carrying result or error, under the caller's id", () => {
    for (const bad of [{ jsonrpc: '2' }, { jsonrpc: undefined }, { method: '' }, { method: 'm'.repeat(129) }, { method: 7 }, { result: 1 }, { error: null }]) {
      expect(refused(request({ id: 'abc', ...bad })).id).toBe('abc');
    }
  });
});

describe('checkParamsShape', () => {
  it('accepts absent params and objects, refuses the rest', () => {
    expect(checkParamsShape(undefined)).toBeUndefined();
    expect(checkParamsShape({ name: 'test' })).toBeUndefined();
    expect(checkParamsShape([1])?.code).toBe(JsonRpcErrorCode.InvalidParams);
    for (const params of [null, 1, 'x', true]) expect(checkParamsShape(params)?.code).toBe(JsonRpcErrorCode.InvalidRequest);
  });
});
