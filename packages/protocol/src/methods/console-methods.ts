// Methods that open byte streams to a guest's devices: its serial console (virDomainOpenConsole).
import { ErrorDomain } from '../errors/error-domain.js';
import { DomainConsoleFlagSet } from '../flags/domain-console-flags.js';
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
};
