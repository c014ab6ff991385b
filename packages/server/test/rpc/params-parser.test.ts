// In-process unit test of the params check: for every method, empty and absent params give exactly what its zod schema gives.
import { methods, type MethodName } from '@virtwire/protocol';
import { methodSchemas } from '@virtwire/protocol/schemas';
import { describe, expect, it } from 'vitest';
import { describeIssues, ParamsParser } from '../../src/rpc/params-parser.js';

/** What the schema alone makes of `raw`: the parsed params, or the error text the daemon answers with. */
function bySchema(name: MethodName, raw: unknown): { data: unknown } | { error: string } {
  const parsed = methodSchemas[name].params.safeParse(raw ?? {});
  return parsed.success ? { data: parsed.data } : { error: `Invalid params: ${describeIssues(parsed.error.issues)}` };
}

function byParser(parser: ParamsParser, name: MethodName, raw: unknown): { data: unknown } | { error: string } {
  try {
    return { data: parser.parse(name, raw) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('ParamsParser', () => {
  it('gives, for every method, what its schema gives for {}, absent params, and a few non-empty ones', () => {
    const parser = new ParamsParser();
    const inputs = [{}, undefined, JSON.parse('{}'), { flags: 0 }, JSON.parse('{"__proto__":{}}'), Object.create(null), { x: undefined }];
    let withoutParams = 0;
    for (const name of Object.keys(methods) as MethodName[]) {
      for (const raw of inputs) expect(byParser(parser, name, raw), `${name} ${JSON.stringify(raw)}`).toEqual(bySchema(name, raw));
      const empty = bySchema(name, {});
      if ('data' in empty && Object.keys(empty.data as object).length === 0) withoutParams++;
    }
    // the shortcut is really taken: many methods (ConnectGetVersion, ConnectGetURI...) make nothing of {}
    expect(withoutParams).toBeGreaterThan(5);
  });

  it('hands each call its own params object', () => {
    const parser = new ParamsParser();
    const first = parser.parse('ConnectGetVersion', {});
    expect(parser.parse('ConnectGetVersion', {})).not.toBe(first);
  });
});
