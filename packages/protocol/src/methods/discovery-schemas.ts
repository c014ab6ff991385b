// Parameter and result schemas of the discovery method (see discovery-methods.ts).
import * as z from 'zod';
import type { discoveryMethods } from './discovery-methods.js';
import type { MethodSchema } from './method-schema.js';

/**
 * The top of an OpenRPC document (spec.open-rpc.org), as `rpc.discover` answers it. Only the parts a
 * caller steers by are spelled out; the rest passes through untouched.
 */
export const OpenRpcDocumentSchema = z.looseObject({
  openrpc: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  methods: z.array(z.looseObject({ name: z.string() })),
});
/** An OpenRPC document, as `rpc.discover` answers it; its schema is OpenRpcDocumentSchema in `@virtwire/protocol/schemas`. */
export type OpenRpcDocument = z.infer<typeof OpenRpcDocumentSchema>;

/** Schemas of {@link discoveryMethods}, by wire name. */
export const discoverySchemas = {
  'rpc.discover': () => ({ params: z.strictObject({}), result: OpenRpcDocumentSchema }),
} satisfies { [N in keyof typeof discoveryMethods]: () => MethodSchema };
