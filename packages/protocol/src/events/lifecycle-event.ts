// libvirt's lifecycle event vocabulary: virDomainEventType and its detail enums (include/libvirt/libvirt-domain.h).

/** `virDomainEventType`: what a `VIR_DOMAIN_EVENT_ID_LIFECYCLE` event says happened. */
export const DomainEventType = {
  /** `VIR_DOMAIN_EVENT_DEFINED`. */
  Defined: 0,
  /** `VIR_DOMAIN_EVENT_UNDEFINED`. */
  Undefined: 1,
  /** `VIR_DOMAIN_EVENT_STARTED`. */
  Started: 2,
  /** `VIR_DOMAIN_EVENT_SUSPENDED`. */
  Suspended: 3,
  /** `VIR_DOMAIN_EVENT_RESUMED`. */
  Resumed: 4,
  /** `VIR_DOMAIN_EVENT_STOPPED`. */
  Stopped: 5,
  /** `VIR_DOMAIN_EVENT_SHUTDOWN`. */
  Shutdown: 6,
  /** `VIR_DOMAIN_EVENT_PMSUSPENDED`. */
  PmSuspended: 7,
  /** `VIR_DOMAIN_EVENT_CRASHED`. */
  Crashed: 8,
} as const;

/** `virDomainEventDefinedDetailType`. */
export const DomainEventDefinedDetail = { Added: 0, Updated: 1, Renamed: 2, FromSnapshot: 3 } as const;

/** `virDomainEventUndefinedDetailType`. */
export const DomainEventUndefinedDetail = { Removed: 0, Renamed: 1 } as const;

/** `virDomainEventStartedDetailType`. */
export const DomainEventStartedDetail = { Booted: 0, Migrated: 1, Restored: 2, FromSnapshot: 3, Wakeup: 4 } as const;

/** `virDomainEventSuspendedDetailType`. */
export const DomainEventSuspendedDetail = {
  Paused: 0,
  Migrated: 1,
  IoError: 2,
  Watchdog: 3,
  Restored: 4,
  FromSnapshot: 5,
  ApiError: 6,
  Postcopy: 7,
  PostcopyFailed: 8,
} as const;

/** `virDomainEventResumedDetailType`. */
export const DomainEventResumedDetail = { Unpaused: 0, Migrated: 1, FromSnapshot: 2, Postcopy: 3 } as const;

/** `virDomainEventStoppedDetailType`. */
export const DomainEventStoppedDetail = {
  Shutdown: 0,
  Destroyed: 1,
  Crashed: 2,
  Migrated: 3,
  Saved: 4,
  Failed: 5,
  FromSnapshot: 6,
} as const;

/** `virDomainEventShutdownDetailType`. */
export const DomainEventShutdownDetail = { Finished: 0, Guest: 1, Host: 2 } as const;

/** `virDomainEventPMSuspendedDetailType`. */
export const DomainEventPmSuspendedDetail = { Memory: 0, Disk: 1 } as const;

/** `virDomainEventCrashedDetailType`. */
export const DomainEventCrashedDetail = { Panicked: 0 } as const;
