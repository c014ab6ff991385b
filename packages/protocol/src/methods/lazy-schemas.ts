// Method schemas built on first use: a start of the daemon evaluates none of them, a call builds its own method's once.
import type { MethodSchema } from './method-schema.js';

/** Each method's schema builder, by wire name, as the groups' `*-schemas.ts` declare them. */
export type SchemaBuilders = Readonly<Record<string, () => MethodSchema>>;

/** The schemas `builders` build, by the same names. */
export type BuiltSchemas<B extends SchemaBuilders> = { readonly [N in keyof B]: ReturnType<B[N]> };

/**
 * An object with one property per builder whose value is built the first time it is read and kept
 * (the property then holds it, as if it had been there from the start; the schema is the one the
 * builder returns, so every call of the method is validated by the same schema object as before).
 * Building zod's schemas for every method took about 3 ms of each daemon start, for the few methods
 * its first calls use.
 */
export function lazySchemas<B extends SchemaBuilders>(builders: B): BuiltSchemas<B> {
  const schemas = {} as BuiltSchemas<B>;
  for (const name of Object.keys(builders)) {
    Object.defineProperty(schemas, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = builders[name]!();
        Object.defineProperty(schemas, name, { value, enumerable: true, writable: false, configurable: false });
        return value;
      },
    });
  }
  return schemas;
}
