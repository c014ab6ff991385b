// Connection-level methods: open and close a connection, and ask about the host and its domains.
import { ErrorDomain } from '../errors/error-domain.js';
import { ConnectFlagSet, ConnectListAllDomainsFlagSet } from '../flags/domain-flags.js';
import { defineMethod } from './method-spec.js';

/** Connection-level methods, by wire name. */
export const connectMethods = {
  /** `virConnectOpenAuth`: selects a driver by URI (null: the daemon's default). */
  ConnectOpen: defineMethod({
    libvirt: 'virConnectOpenAuth',
    errorDomain: ErrorDomain.None,
    permission: 'connect',
    flags: ConnectFlagSet,
    handledBy: 'daemon',
  }),
  /** `virConnectClose`. */
  ConnectClose: defineMethod({
    libvirt: 'virConnectClose',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
  }),
  /** `virConnectGetURI`. */
  ConnectGetURI: defineMethod({
    libvirt: 'virConnectGetURI',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
  }),
  /** `virConnectGetHostname`. */
  ConnectGetHostname: defineMethod({
    libvirt: 'virConnectGetHostname',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
  }),
  /** `virConnectGetVersion`: the hypervisor version. */
  ConnectGetVersion: defineMethod({
    libvirt: 'virConnectGetVersion',
    errorDomain: ErrorDomain.None,
    permission: 'read',
  }),
  /** `virConnectGetCapabilities`: libvirt's host capabilities XML. */
  ConnectGetCapabilities: defineMethod({
    libvirt: 'virConnectGetCapabilities',
    errorDomain: ErrorDomain.None,
    permission: 'read',
  }),
  /** `virConnectListAllDomains` with its filter flags. */
  ConnectListAllDomains: defineMethod({
    libvirt: 'virConnectListAllDomains',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    flags: ConnectListAllDomainsFlagSet,
  }),
};
