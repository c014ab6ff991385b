// Parameter and result schemas of the console methods (see console-methods.ts).
import * as z from 'zod';
import { DomainRefSchema, FlagsSchema } from '../reference-schemas.js';
import { STREAM_TICKET_PATTERN } from '../flags/domain-console-flags.js';
import type { consoleMethods } from './console-methods.js';
import type { MethodSchema } from './method-schema.js';

/** Schemas of {@link consoleMethods}, by wire name. */
export const consoleSchemas = {
  DomainOpenConsole: () => ({
    // devName: libvirt's `dev_name` (`serial0`, `console0`, a console alias); null: the first console
    params: z.strictObject({ domain: DomainRefSchema, devName: z.string().max(64).nullable().default(null), flags: FlagsSchema }),
    result: z.strictObject({ ticket: z.string().regex(STREAM_TICKET_PATTERN) }),
  }),
  DomainOpenGraphics: () => ({
    params: z.strictObject({ domain: DomainRefSchema, idx: z.number().int().min(0).max(15).default(0), flags: FlagsSchema }),
    result: z.strictObject({ ticket: z.string().regex(STREAM_TICKET_PATTERN) }),
  }),
} satisfies Record<keyof typeof consoleMethods, () => MethodSchema>;
