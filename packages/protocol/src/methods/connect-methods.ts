// Connection-level methods: open and close a connection, and ask about the host and its domains.
import { z } from 'zod';
import { DriverCapabilitiesSchema } from '../capabilities.js';
import { ErrorDomain } from '../errors/error-domain.js';
import { ConnectFlagSet, ConnectListAllDomainsFlagSet } from '../flags/domain-flags.js';
import { DomainRefSchema, FlagsSchema } from '../references.js';
import { defineMethod } from './define-method.js';

const none = z.strictObject({});

/** Connection-level methods, by wire name. */
export const connectMethods = {
  /** `virConnectOpenAuth`: selects a driver by URI (null: the daemon's default). */
  ConnectOpen: defineMethod({
    libvirt: 'virConnectOpenAuth',
    errorDomain: ErrorDomain.None,
    permission: 'connect',
    flags: ConnectFlagSet,
    handledBy: 'daemon',
    params: z.strictObject({ uri: z.string().max(4096).nullable().default(null), flags: FlagsSchema }),
    result: z.strictObject({ uri: z.string(), readOnly: z.boolean(), capabilities: DriverCapabilitiesSchema }),
  }),
  /** `virConnectClose`. */
  ConnectClose: defineMethod({
    libvirt: 'virConnectClose',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
    params: none,
    result: z.null(),
  }),
  /** `virConnectGetURI`. */
  ConnectGetURI: defineMethod({
    libvirt: 'virConnectGetURI',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
    params: none,
    result: z.string(),
  }),
  /** `virConnectGetHostname`. */
  ConnectGetHostname: defineMethod({
    libvirt: 'virConnectGetHostname',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
    params: none,
    result: z.string(),
  }),
  /** `virConnectGetVersion`: the hypervisor version. */
  ConnectGetVersion: defineMethod({
    libvirt: 'virConnectGetVersion',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    params: none,
    result: z.number().int(),
  }),
  /** `virConnectGetCapabilities`: libvirt's host capabilities XML. */
  ConnectGetCapabilities: defineMethod({
    libvirt: 'virConnectGetCapabilities',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    params: none,
    result: z.string(),
  }),
  /** `virConnectListAllDomains` with its filter flags. */
  ConnectListAllDomains: defineMethod({
    libvirt: 'virConnectListAllDomains',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    flags: ConnectListAllDomainsFlagSet,
    params: z.strictObject({ flags: FlagsSchema }),
    result: z.array(DomainRefSchema),
  }),
};
