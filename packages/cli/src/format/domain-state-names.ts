// virsh's words for domain states and their reasons (virshDomainStateToString, virshDomainStateReasonToString).

/** `virDomainState` values as virsh prints them. */
const STATE_NAMES = ['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'] as const;

/** Reasons per state, indexed by the reason number (libvirt's virDomain*Reason enums). */
const REASON_NAMES: readonly (readonly string[])[] = [
  ['unknown'],
  [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from snapshot',
    'unpaused',
    'migration canceled',
    'save canceled',
    'event wakeup',
    'crashed',
    'post-copy',
    'post-copy failed',
  ],
  ['unknown'],
  [
    'unknown',
    'user',
    'migrating',
    'saving',
    'dumping',
    'I/O error',
    'watchdog',
    'from snapshot',
    'shutting down',
    'creating snapshot',
    'crashed',
    'starting up',
    'post-copy',
    'post-copy failed',
    'api error',
  ],
  ['unknown', 'user'],
  ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from snapshot', 'daemon'],
  ['unknown', 'panicked'],
  ['unknown'],
];

/** `running`, `shut off`, ...; `no state` for unknown values. */
export function domainStateName(state: number): string {
  return STATE_NAMES[state] ?? 'no state';
}

/** `booted`, `destroyed`, ...; `unknown` for unknown values. */
export function domainStateReasonName(state: number, reason: number): string {
  return REASON_NAMES[state]?.[reason] ?? 'unknown';
}
