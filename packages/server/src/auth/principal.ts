// Who is on the other end of a connection, as established at the WebSocket upgrade.

/** An authenticated caller. */
export interface Principal {
  /** For logs: `unix` (the read-write socket's owner), `unix-ro`, or `token:<name>`. */
  readonly name: string;
  /** Only read methods may be called (read-only socket or read-only token). */
  readonly readOnly: boolean;
  /** The digest of the token presented (TCP listeners), so that its revocation can be noticed. */
  readonly tokenDigest?: Buffer;
}
