// libvirt's flags of virDomainOpenConsole (libvirt-domain.h), and where a console's byte stream is attached.
import { flagSet } from './flag-set.js';

/** `virDomainConsoleFlags`, the flags of `virDomainOpenConsole`. */
export const DomainConsoleFlags = {
  /** `VIR_DOMAIN_CONSOLE_FORCE`: take the console from a session that holds it. */
  Force: 1 << 0,
  /** `VIR_DOMAIN_CONSOLE_SAFE`: only where the driver can keep out a second session. */
  Safe: 1 << 1,
} as const;
/** The {@link DomainConsoleFlags} enum as a flag set. */
export const DomainConsoleFlagSet = flagSet('VIR_DOMAIN_CONSOLE_', DomainConsoleFlags);

/** `virDomainOpenGraphicsFlags`, the flags of `virDomainOpenGraphics`. */
export const DomainOpenGraphicsFlags = {
  /** `VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH`: skip the display's authentication. */
  SkipAuth: 1 << 0,
} as const;
/** The {@link DomainOpenGraphicsFlags} enum as a flag set. */
export const DomainOpenGraphicsFlagSet = flagSet('VIR_DOMAIN_OPEN_GRAPHICS_', DomainOpenGraphicsFlags);

/**
 * A byte stream (libvirt's `virStreamPtr`) is a second WebSocket on the same listener, same
 * subprotocol and credentials, opened at `STREAM_PATH_PREFIX + ticket` within
 * {@link STREAM_TICKET_TTL_MS} of the call that returned the ticket; binary frames both ways.
 */
export const STREAM_PATH_PREFIX = '/stream/';
/** How long a stream ticket stays valid. */
export const STREAM_TICKET_TTL_MS = 30_000;
/** A ticket: 32 lowercase hex digits. */
export const STREAM_TICKET_PATTERN = /^[0-9a-f]{32}$/;
