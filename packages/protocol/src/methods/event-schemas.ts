// Parameter and result schemas of the event methods (see event-methods.ts), and the schema of the event notification itself.
import * as z from 'zod';
import { DomainRefSchema } from '../reference-schemas.js';
import { JobStatsFieldsSchema } from './domain-schemas.js';
import type { eventMethods } from './event-methods.js';
import type { MethodSchema } from './method-schema.js';

const CallbackIdSchema = z.number().int().min(0).max(0x7fffffff);

/** Schemas of {@link eventMethods}, by wire name. */
export const eventSchemas = {
  ConnectDomainEventRegisterAny: () => ({
    params: z.strictObject({
      eventID: z.number().int().min(-0x80000000).max(0x7fffffff),
      domain: DomainRefSchema.nullable().default(null),
    }),
    result: CallbackIdSchema,
  }),
  ConnectDomainEventDeregisterAny: () => ({ params: z.strictObject({ callbackID: z.number().int().min(-0x80000000).max(0x7fffffff) }), result: z.null() }),
} satisfies { [N in keyof typeof eventMethods]: () => MethodSchema };

const DiskOutcomeSchema = z.strictObject({
  disk: z.string(),
  outcome: z.enum(['changed', 'rolled-back', 'untouched']),
  source: z.string().optional(),
  reason: z.string().optional(),
});

const common = { callbackID: CallbackIdSchema, seq: z.number().int().min(1), domain: DomainRefSchema };

/** The params of a `DomainEvent` notification (see `DomainEventParams`), one shape per event id. */
export const DomainEventParamsSchema = z.discriminatedUnion('eventID', [
  z.strictObject({ ...common, eventID: z.literal(0), event: z.number().int(), detail: z.number().int() }),
  z.strictObject({ ...common, eventID: z.literal(1) }),
  z.strictObject({ ...common, eventID: z.literal(21), params: JobStatsFieldsSchema }),
  z.strictObject({
    ...common,
    eventID: z.literal(1000),
    action: z.enum(['created', 'deleted', 'reverted', 'current-changed', 'failed']),
    snapshot: z.string().nullable(),
    error: z.strictObject({ code: z.number().int(), message: z.string(), disks: z.array(DiskOutcomeSchema).optional() }).optional(),
  }),
]);
