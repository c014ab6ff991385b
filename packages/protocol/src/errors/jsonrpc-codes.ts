// JSON-RPC 2.0's own error codes, used only for protocol-level faults (never for libvirt errors).

/** Protocol-level JSON-RPC error codes; libvirt errors travel as their positive virErrorNumber instead. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Implementation-defined server error (JSON-RPC reserves -32000..-32099): the caller's call budget is spent. */
  RateLimited: -32029,
} as const;

/** A value of {@link JsonRpcErrorCode}. */
export type JsonRpcErrorCodeValue = (typeof JsonRpcErrorCode)[keyof typeof JsonRpcErrorCode];

/** The standard message text for each protocol-level code. */
export const jsonRpcErrorMessage: Readonly<Record<JsonRpcErrorCodeValue, string>> = {
  [-32700]: 'Parse error',
  [-32600]: 'Invalid Request',
  [-32601]: 'Method not found',
  [-32602]: 'Invalid params',
  [-32603]: 'Internal error',
  [-32029]: 'Too many requests',
};
