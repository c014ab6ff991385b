// Method schemas built on first use: every method has its schemas, each built once when first read, and the same object after.
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { methods } from '../src/index.js';
import { lazySchemas } from '../src/methods/lazy-schemas.js';
import { methodSchemas } from '../src/schemas.js';

describe('lazySchemas', () => {
  it('builds a schema when it is first read, once, and then holds it', () => {
    const built: string[] = [];
    const schemas = lazySchemas({
      A: () => (built.push('A'), { params: z.strictObject({ a: z.number() }), result: z.null() }),
      B: () => (built.push('B'), { params: z.strictObject({}), result: z.string() }),
    });
    expect(Object.keys(schemas)).toEqual(['A', 'B']);
    expect(built).toEqual([]);
    const first = schemas.A;
    expect(schemas.A).toBe(first);
    expect(schemas.A.params).toBe(first.params);
    expect(built).toEqual(['A']);
    expect(Object.getOwnPropertyDescriptor(schemas, 'A')).toEqual({ value: first, enumerable: true, writable: false, configurable: false });
    expect(schemas.A.params.safeParse({ a: 1 }).success).toBe(true);
    expect(schemas.A.params.safeParse({ a: 1, b: 2 }).success).toBe(false);
  });
});

describe('methodSchemas', () => {
  it('has the schemas of every method of the method table and of nothing else', () => {
    expect(Object.keys(methodSchemas).sort()).toEqual(Object.keys(methods).sort());
    for (const name of Object.keys(methods) as (keyof typeof methodSchemas)[]) {
      expect(methodSchemas[name].params, name).toBeInstanceOf(z.ZodType);
      expect(methodSchemas[name].result, name).toBeInstanceOf(z.ZodType);
      expect(methodSchemas[name], name).toBe(methodSchemas[name]);
    }
  });

  it('validates as declared: ConnectOpen fills its defaults, DomainLookupByName refuses a stray key', () => {
    expect(methodSchemas.ConnectOpen.params.parse({})).toEqual({ uri: null, flags: 0 });
    expect(methodSchemas.DomainLookupByName.params.safeParse({ name: 'test', extra: 1 }).success).toBe(false);
  });
});
