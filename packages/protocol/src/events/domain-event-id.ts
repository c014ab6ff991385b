// libvirt's virDomainEventID (libvirt 9.0, include/libvirt/libvirt-domain.h) and virtwire's own snapshot event id.

/**
 * `virDomainEventID`: what a callback registered with `virConnectDomainEventRegisterAny` receives.
 * Numbers as in libvirt 9.0 (`VIR_DOMAIN_EVENT_ID_LAST` is 27 there).
 */
export const DomainEventId = {
  /** `VIR_DOMAIN_EVENT_ID_LIFECYCLE`: event and detail (virDomainEventType and its detail enums). */
  Lifecycle: 0,
  /** `VIR_DOMAIN_EVENT_ID_REBOOT`. */
  Reboot: 1,
  /** `VIR_DOMAIN_EVENT_ID_RTC_CHANGE`. */
  RtcChange: 2,
  /** `VIR_DOMAIN_EVENT_ID_WATCHDOG`. */
  Watchdog: 3,
  /** `VIR_DOMAIN_EVENT_ID_IO_ERROR`. */
  IoError: 4,
  /** `VIR_DOMAIN_EVENT_ID_GRAPHICS`. */
  Graphics: 5,
  /** `VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON`. */
  IoErrorReason: 6,
  /** `VIR_DOMAIN_EVENT_ID_CONTROL_ERROR`. */
  ControlError: 7,
  /** `VIR_DOMAIN_EVENT_ID_BLOCK_JOB`. */
  BlockJob: 8,
  /** `VIR_DOMAIN_EVENT_ID_DISK_CHANGE`. */
  DiskChange: 9,
  /** `VIR_DOMAIN_EVENT_ID_TRAY_CHANGE`. */
  TrayChange: 10,
  /** `VIR_DOMAIN_EVENT_ID_PMWAKEUP`. */
  PmWakeup: 11,
  /** `VIR_DOMAIN_EVENT_ID_PMSUSPEND`. */
  PmSuspend: 12,
  /** `VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE`. */
  BalloonChange: 13,
  /** `VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK`. */
  PmSuspendDisk: 14,
  /** `VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED`. */
  DeviceRemoved: 15,
  /** `VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2`. */
  BlockJob2: 16,
  /** `VIR_DOMAIN_EVENT_ID_TUNABLE`. */
  Tunable: 17,
  /** `VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE`. */
  AgentLifecycle: 18,
  /** `VIR_DOMAIN_EVENT_ID_DEVICE_ADDED`. */
  DeviceAdded: 19,
  /** `VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION`. */
  MigrationIteration: 20,
  /** `VIR_DOMAIN_EVENT_ID_JOB_COMPLETED`. */
  JobCompleted: 21,
  /** `VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED`. */
  DeviceRemovalFailed: 22,
  /** `VIR_DOMAIN_EVENT_ID_METADATA_CHANGE`. */
  MetadataChange: 23,
  /** `VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD`. */
  BlockThreshold: 24,
  /** `VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE`. */
  MemoryFailure: 25,
  /** `VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE`. */
  MemoryDeviceSizeChange: 26,
  /**
   * virtwire extension, no libvirt counterpart: snapshot created, deleted, reverted, current
   * changed, or failed. Outside libvirt's range (libvirt's ids grow from 0 by one per release).
   */
  Snapshot: 1000,
} as const;

/** `VIR_DOMAIN_EVENT_ID_LAST` of libvirt 9.0: libvirt's ids are 0 up to this, exclusive. */
export const DOMAIN_EVENT_ID_LAST = 27;

/** An event id virtwire accepts: one of libvirt's, or its snapshot extension. */
export function isDomainEventId(id: number): boolean {
  return (Number.isInteger(id) && id >= 0 && id < DOMAIN_EVENT_ID_LAST) || id === DomainEventId.Snapshot;
}

/**
 * The names `virsh event --list` prints, by event id (libvirt 9.0's virsh), plus `snapshot` for
 * virtwire's extension: what `vwsh event --event NAME` accepts.
 */
export const domainEventNames: ReadonlyArray<readonly [name: string, id: number]> = [
  ['lifecycle', 0],
  ['reboot', 1],
  ['rtc-change', 2],
  ['watchdog', 3],
  ['io-error', 4],
  ['graphics', 5],
  ['io-error-reason', 6],
  ['control-error', 7],
  ['block-job', 8],
  ['disk-change', 9],
  ['tray-change', 10],
  ['pm-wakeup', 11],
  ['pm-suspend', 12],
  ['balloon-change', 13],
  ['pm-suspend-disk', 14],
  ['device-removed', 15],
  ['block-job-2', 16],
  ['tunable', 17],
  ['agent-lifecycle', 18],
  ['device-added', 19],
  ['migration-iteration', 20],
  ['job-completed', 21],
  ['device-removal-failed', 22],
  ['metadata-change', 23],
  ['block-threshold', 24],
  ['memory-failure', 25],
  ['memory-device-size-change', 26],
  ['snapshot', DomainEventId.Snapshot],
];
