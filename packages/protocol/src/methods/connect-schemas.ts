// Parameter and result schemas of the connection-level methods (see connect-methods.ts).
import { z } from 'zod';
import { DriverCapabilitiesSchema } from '../capabilities.js';
import { DomainRefSchema, FlagsSchema } from '../references.js';
import type { MethodSchema } from './method-schema.js';
import type { connectMethods } from './connect-methods.js';

const none = z.strictObject({});

/** Schemas of {@link connectMethods}, by wire name. */
export const connectSchemas = {
  ConnectOpen: {
    params: z.strictObject({ uri: z.string().max(4096).nullable().default(null), flags: FlagsSchema }),
    result: z.strictObject({ uri: z.string(), readOnly: z.boolean(), capabilities: DriverCapabilitiesSchema }),
  },
  ConnectClose: { params: none, result: z.null() },
  ConnectGetURI: { params: none, result: z.string() },
  ConnectGetHostname: { params: none, result: z.string() },
  ConnectGetVersion: { params: none, result: z.number().int() },
  ConnectGetCapabilities: { params: none, result: z.string() },
  ConnectListAllDomains: { params: z.strictObject({ flags: FlagsSchema }), result: z.array(DomainRefSchema) },
} satisfies { [N in keyof typeof connectMethods]: MethodSchema };
