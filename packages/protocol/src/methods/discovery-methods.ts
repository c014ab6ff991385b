// JSON-RPC system extensions (the reserved `rpc.` prefix): OpenRPC's service discovery.
import { ErrorDomain } from '../errors/error-domain.js';
import { defineMethod } from './method-spec.js';

/** virtwire's own methods, which libvirt has no counterpart of, by wire name. */
export const discoveryMethods = {
  /**
   * OpenRPC's `rpc.discover`: this protocol's method table as an OpenRPC document. Callable before
   * ConnectOpen and by read-only principals: it describes the protocol, not the host, and is the
   * same for every caller.
   */
  'rpc.discover': defineMethod({
    libvirt: 'rpc.discover',
    errorDomain: ErrorDomain.Rpc,
    permission: 'connect',
    handledBy: 'daemon',
  }),
};
