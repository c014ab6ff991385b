// libvirt's flag enums for defining, starting, stopping and undefining domains (libvirt-domain.h).
import { flagSet } from './flag-set.js';

/** `virDomainCreateFlags`, the flags of `virDomainCreateWithFlags`. */
export const DomainCreateFlags = {
  /** `VIR_DOMAIN_START_PAUSED`. */
  StartPaused: 1 << 0,
  /** `VIR_DOMAIN_START_AUTODESTROY`. */
  StartAutodestroy: 1 << 1,
  /** `VIR_DOMAIN_START_BYPASS_CACHE`. */
  StartBypassCache: 1 << 2,
  /** `VIR_DOMAIN_START_FORCE_BOOT`. */
  StartForceBoot: 1 << 3,
  /** `VIR_DOMAIN_START_VALIDATE`. */
  StartValidate: 1 << 4,
  /** `VIR_DOMAIN_START_RESET_NVRAM`. */
  StartResetNvram: 1 << 5,
} as const;
/** The {@link DomainCreateFlags} enum as a flag set. */
export const DomainCreateFlagSet = flagSet('VIR_DOMAIN_', DomainCreateFlags);

/** `virDomainDefineFlags`, the flags of `virDomainDefineXMLFlags`. */
export const DomainDefineFlags = {
  /** `VIR_DOMAIN_DEFINE_VALIDATE`. */
  Validate: 1 << 0,
} as const;
/** The {@link DomainDefineFlags} enum as a flag set. */
export const DomainDefineFlagSet = flagSet('VIR_DOMAIN_DEFINE_', DomainDefineFlags);

/** `virDomainUndefineFlagsValues`, the flags of `virDomainUndefineFlags`. */
export const DomainUndefineFlags = {
  /** `VIR_DOMAIN_UNDEFINE_MANAGED_SAVE`. */
  ManagedSave: 1 << 0,
  /** `VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA`: also remove snapshot metadata. */
  SnapshotsMetadata: 1 << 1,
  /** `VIR_DOMAIN_UNDEFINE_NVRAM`. */
  Nvram: 1 << 2,
  /** `VIR_DOMAIN_UNDEFINE_KEEP_NVRAM`. */
  KeepNvram: 1 << 3,
  /** `VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA`. */
  CheckpointsMetadata: 1 << 4,
} as const;
/** The {@link DomainUndefineFlags} enum as a flag set. */
export const DomainUndefineFlagSet = flagSet('VIR_DOMAIN_UNDEFINE_', DomainUndefineFlags);

/** `virDomainDestroyFlagsValues`, the flags of `virDomainDestroyFlags`. */
export const DomainDestroyFlags = {
  /** `VIR_DOMAIN_DESTROY_GRACEFUL`. */
  Graceful: 1 << 0,
} as const;
/** The {@link DomainDestroyFlags} enum as a flag set. */
export const DomainDestroyFlagSet = flagSet('VIR_DOMAIN_DESTROY_', DomainDestroyFlags);

/** `virDomainShutdownFlagValues`, the flags of `virDomainShutdownFlags`. */
export const DomainShutdownFlags = {
  AcpiPowerBtn: 1 << 0,
  GuestAgent: 1 << 1,
  Initctl: 1 << 2,
  Signal: 1 << 3,
  Paravirt: 1 << 4,
} as const;
/** The {@link DomainShutdownFlags} enum as a flag set. */
export const DomainShutdownFlagSet = flagSet('VIR_DOMAIN_SHUTDOWN_', DomainShutdownFlags);

/** `virDomainRebootFlagValues`, the flags of `virDomainReboot`. */
export const DomainRebootFlags = {
  AcpiPowerBtn: 1 << 0,
  GuestAgent: 1 << 1,
  Initctl: 1 << 2,
  Signal: 1 << 3,
  Paravirt: 1 << 4,
} as const;
/** The {@link DomainRebootFlags} enum as a flag set. */
export const DomainRebootFlagSet = flagSet('VIR_DOMAIN_REBOOT_', DomainRebootFlags);
