// A JSON-RPC reply as the text sent to the client: bounded by what is left of the connection's outbound bound, never a crash.
import { ErrorDomain, ErrorNumber, JsonRpcErrorCode, VirError } from '@virtwire/protocol';
import { createJSONRPCErrorResponse, type JSONRPCResponse } from 'json-rpc-2.0';
import { randomUUID } from 'node:crypto';
import { jsonSizeAtLeast } from './json-size.js';

/** The JSON-RPC error reply carrying `error` (libvirt's number, domain and message in `data`). */
export const errorResponse = (id: string | number | null, error: VirError): JSONRPCResponse => {
  const wire = error.toJsonRpc();
  return createJSONRPCErrorResponse(id, wire.code, wire.message, wire.data);
};

/** The error that replaces a reply that does not fit what is left of the connection's outbound bound. */
const tooLarge = (size: number, room: number) =>
  VirError.report(
    ErrorNumber.Rpc,
    ErrorDomain.Rpc,
    `reply of at least ${size} bytes does not fit the ${room} bytes left of this connection's outbound bound; ask for less (offset and limit) or read the replies already sent`,
  );

/**
 * The text of a reply, within `room` characters: a result that cannot fit is refused before it
 * is built (its size is estimated first), and one that turns out larger is replaced by the
 * same VIR_ERR_RPC error. A reply that cannot be serialised (a driver returned a BigInt or a
 * cycle) becomes -32603 with a correlation id, handed to `failed` for the log, never a crash.
 */
export function replyText(reply: JSONRPCResponse, room: number, failed: (error: unknown, correlationId: string) => void): string {
  const id = reply.id ?? null;
  const estimate = 'result' in reply ? jsonSizeAtLeast(reply.result, room) : 0;
  if (estimate > room) return JSON.stringify(errorResponse(id, tooLarge(room + 1, room)));
  let text: string;
  try {
    text = JSON.stringify(reply);
  } catch (error) {
    const correlationId = randomUUID();
    failed(error, correlationId);
    return JSON.stringify(errorResponse(id, VirError.protocol(JsonRpcErrorCode.InternalError, undefined, { correlationId })));
  }
  return text.length > room ? JSON.stringify(errorResponse(id, tooLarge(text.length, room))) : text;
}
