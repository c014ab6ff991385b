// The shape of one method's schemas: what its parameters and its result must look like on the wire.
import type { z } from 'zod';

/**
 * The zod schemas of one method, declared in the group's `*-schemas.ts` file under the method's
 * wire name. The daemon validates every call's parameters with `params`; `result` documents the
 * answer (rpc.discover, the SDK's result types).
 */
export interface MethodSchema<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly params: P;
  readonly result: R;
}
