// Methods that open byte streams to a guest's devices: its serial console (virDomainOpenConsole) and its display (virDomainOpenGraphics).
import { ErrorDomain } from '../errors/error-domain.js';
import { DomainConsoleFlagSet, DomainOpenGraphicsFlagSet } from '../flags/domain-console-flags.js';
import { defineMethod } from './method-spec.js';

/** The console methods, by wire name. */
export const consoleMethods = {
  /**
   * `virDomainOpenConsole`: returns a stream ticket; the bytes travel on a second WebSocket opened
   * at `STREAM_PATH_PREFIX + ticket` with the same credentials.
   */
  DomainOpenConsole: defineMethod({
    libvirt: 'virDomainOpenConsole',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainConsoleFlagSet,
  }),
  /**
   * `virDomainOpenGraphics`: the display server of `<graphics>` number `idx` (VNC) as a byte
   * stream (libvirt hands over a file descriptor; here it is a stream ticket, like a console's).
   */
  DomainOpenGraphics: defineMethod({
    libvirt: 'virDomainOpenGraphics',
    errorDomain: ErrorDomain.Domain,
    permission: 'write',
    flags: DomainOpenGraphicsFlagSet,
  }),
};
