// Event methods: register and deregister a callback for one kind of domain event (libvirt's virConnectDomainEventRegisterAny).
import { ErrorDomain } from '../errors/error-domain.js';
import { defineMethod } from './method-spec.js';

/** Most event callbacks one connection may hold at once (`vwsh event --all` takes 28). */
export const MAX_EVENT_CALLBACKS_PER_CONNECTION = 64;

/** Event methods, by wire name. Read-only principals may subscribe: events carry no secure data. */
export const eventMethods = {
  /**
   * `virConnectDomainEventRegisterAny`: from now on, events of `eventID` (about `domain` only, when
   * given) arrive on this socket as `DomainEvent` notifications naming the returned callback id.
   */
  ConnectDomainEventRegisterAny: defineMethod({
    libvirt: 'virConnectDomainEventRegisterAny',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
  }),
  /** `virConnectDomainEventDeregisterAny`: no notification names `callbackID` after the reply. */
  ConnectDomainEventDeregisterAny: defineMethod({
    libvirt: 'virConnectDomainEventDeregisterAny',
    errorDomain: ErrorDomain.None,
    permission: 'read',
    handledBy: 'daemon',
  }),
};
