// Parameter and result schemas of the connection-level methods (see connect-methods.ts).
import * as z from 'zod';
import { DriverCapabilitiesSchema } from '../capabilities-schema.js';
import { DomainRefSchema, FlagsSchema } from '../reference-schemas.js';
import type { MethodSchema } from './method-schema.js';
import type { connectMethods } from './connect-methods.js';

const none = z.strictObject({});

/** Schemas of {@link connectMethods}, by wire name. */
export const connectSchemas = {
  ConnectOpen: () => ({
    params: z.strictObject({ uri: z.string().max(4096).nullable().default(null), flags: FlagsSchema }),
    result: z.strictObject({ uri: z.string(), readOnly: z.boolean(), capabilities: DriverCapabilitiesSchema }),
  }),
  ConnectClose: () => ({ params: none, result: z.null() }),
  ConnectGetURI: () => ({ params: none, result: z.string() }),
  ConnectGetHostname: () => ({ params: none, result: z.string() }),
  ConnectGetVersion: () => ({ params: none, result: z.number().int() }),
  ConnectGetCapabilities: () => ({ params: none, result: z.string() }),
  ConnectListAllDomains: () => ({ params: z.strictObject({ flags: FlagsSchema }), result: z.array(DomainRefSchema) }),
  NodeGetInfo: () => ({
    params: none,
    result: z.strictObject({
      model: z.string(),
      memory: z.number().int(),
      cpus: z.number().int(),
      mhz: z.number().int(),
      nodes: z.number().int(),
      sockets: z.number().int(),
      cores: z.number().int(),
      threads: z.number().int(),
    }),
  }),
  NodeGetSecurityModel: () => ({ params: none, result: z.strictObject({ model: z.string(), doi: z.string() }) }),
} satisfies { [N in keyof typeof connectMethods]: () => MethodSchema };
