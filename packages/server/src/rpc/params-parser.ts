// Parses a call's params with its method's zod schema; empty params of a method whose schema makes nothing of them skip zod.
import { JsonRpcErrorCode, VirError, type MethodName } from '@virtwire/protocol';
import { methodSchemas } from '@virtwire/protocol/schemas';

/** Formats schema failures as one short line: `domain.uuid: expected a UUID`. */
export function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** True for absent params or a plain object with no enumerable property (what `JSON.parse('{}')` gives). */
function isEmptyParams(raw: unknown): boolean {
  if (raw === undefined) return true;
  if (typeof raw !== 'object' || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) return false;
  for (const _key in raw) return false;
  return true;
}

/**
 * The params check of every call (libvirt's XDR decoding, here a zod schema per method). Empty
 * params are the common case of the trivial calls (ConnectGetVersion, ConnectGetURI...): for a
 * method whose schema accepts `{}` and gives `{}` back (no defaults, no refinement that refuses
 * it; found by asking the schema itself, once per method), an empty object is answered with a
 * fresh `{}` without running zod, which is exactly what zod would give. Anything else, and every
 * method whose schema does something with empty params (defaults such as `flags: 0`, required
 * members), goes through the schema.
 */
export class ParamsParser {
  /** Per method: whether `{}` parses to an empty object. */
  private readonly emptyIsIdentity = new Map<MethodName, boolean>();

  /** The parsed params, or throws -32602 (invalid params) with the schema's first issues. */
  parse(name: MethodName, raw: unknown): unknown {
    if (isEmptyParams(raw) && this.acceptsEmpty(name)) return {};
    const parsed = methodSchemas[name].params.safeParse(raw ?? {});
    if (!parsed.success) throw VirError.protocol(JsonRpcErrorCode.InvalidParams, describeIssues(parsed.error.issues));
    return parsed.data;
  }

  private acceptsEmpty(name: MethodName): boolean {
    let known = this.emptyIsIdentity.get(name);
    if (known === undefined) {
      const parsed = methodSchemas[name].params.safeParse({});
      known = parsed.success && isEmptyParams(parsed.data) && parsed.data !== undefined;
      this.emptyIsIdentity.set(name, known);
    }
    return known;
  }
}
