// The application-level keepalive: browsers cannot send WebSocket pings, so they send a text frame instead.

/**
 * A text frame of exactly these four characters is answered with {@link APP_PONG} at once, before
 * and after ConnectOpen, without touching the call budget. It is not JSON-RPC (like tRPC's
 * keepalive), so it cannot collide with any method, and it counts as activity for the idle timeout.
 */
export const APP_PING = 'PING';

/** The daemon's answer to {@link APP_PING}. */
export const APP_PONG = 'PONG';
