// libvirt's domain state reasons (virDomainRunningReason, virDomainPausedReason, virDomainShutoffReason): one vocabulary for every driver.

/** `virDomainRunningReason`. */
export const RunningReason = {
  Unknown: 0,
  Booted: 1,
  Migrated: 2,
  Restored: 3,
  FromSnapshot: 4,
  Unpaused: 5,
  MigrationCanceled: 6,
  SaveCanceled: 7,
  Wakeup: 8,
  Crashed: 9,
  Postcopy: 10,
  PostcopyFailed: 11,
} as const;

/** `virDomainPausedReason`. */
export const PausedReason = {
  Unknown: 0,
  User: 1,
  Migration: 2,
  Save: 3,
  Dump: 4,
  IoError: 5,
  Watchdog: 6,
  FromSnapshot: 7,
  ShuttingDown: 8,
  Snapshot: 9,
  Crashed: 10,
  StartingUp: 11,
  Postcopy: 12,
  PostcopyFailed: 13,
  ApiError: 14,
} as const;

/** `virDomainShutoffReason`. */
export const ShutoffReason = {
  Unknown: 0,
  Shutdown: 1,
  Destroyed: 2,
  Crashed: 3,
  Migrated: 4,
  Saved: 5,
  Failed: 6,
  FromSnapshot: 7,
  Daemon: 8,
} as const;
