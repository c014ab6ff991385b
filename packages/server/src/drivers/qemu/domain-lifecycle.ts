// The qemu driver's domain lifecycle calls: define, undefine, start, destroy, suspend, resume, shutdown; each state change under an intent.
import {
  DomainCreateFlags,
  DomainState,
  DomainUndefineFlags,
  ErrorDomain,
  ErrorNumber,
  VirError,
  DomainDefineFlags,
  DomainShutdownFlags,
} from '@virtwire/protocol';
import { childElement, textOf } from '@virtwire/protocol/xml';
import { hostDomainDefaults } from './host-domain-defaults.js';
import { DomainDefinition } from '@virtwire/protocol/xml';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { confineDefinition } from '../../storage/definition-paths.js';
import { assignMacAddresses, checkDomainConfig, checkVirtType } from './domain-config.js';
import { guestPaused, guestResumed, launchGuest, stopGuest } from './guest-lifecycle.js';
import { journaledCall, runIntent } from './intent-runner.js';
import { bootsUefi, defaultNvramPath, driverFirmware, withDefaultNvram } from './uefi-firmware.js';
import { agentSocketPath, GuestAgentSession } from './guest-agent.js';
import { QemuDomain, Reason } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { nvramCopyRemovals } from './snapshot-nvram.js';
import type { OperationCall } from '../driver.js';
import { changeStateFiles } from './snapshot-metadata.js';
import type { FileChange, StateChange } from './state-change.js';

const invalid = (detail: string) => VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Qemu, detail);

/** `virDomainDefineXML`: adds a persistent domain or replaces an existing one's persistent definition. */
export async function defineDomain(host: QemuHost, xml: string, flags = 0, call?: OperationCall): Promise<QemuDomain> {
  const validate = (flags & DomainDefineFlags.Validate) !== 0;
  const parsed = DomainDefinition.parse(xml, { generateUuid: randomUUID, defaults: hostDomainDefaults(host.services.qemuBinary), validate });
  const definition = withDefaultNvram(parsed, host.services.layout.stateDir);
  checkVirtType(definition, host.services);
  confineDefinition(definition, host.services.confinement, ErrorDomain.Qemu, driverFirmware(host.services.layout.stateDir));
  checkDomainConfig(definition, host.services);
  assignMacAddresses(definition);
  const sameName = host.findByName(definition.name);
  const sameUuid = host.findByUuid(definition.uuid);
  if (sameUuid && sameUuid.name !== definition.name) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${sameUuid.name}' is already defined with uuid ${definition.uuid}`);
  }
  if (sameName && sameName.uuid !== definition.uuid) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${definition.name}' already exists with uuid ${sameName.uuid}`);
  }
  const change: StateChange = {
    metadata: [],
    definitions: [{ path: host.services.layout.domainFile(definition.name), content: definition.format({ secure: true }) }],
  };
  if (sameName && !sameName.persistent && sameName.live) change.status = { persistent: true };
  const domain = sameName ?? new QemuDomain(definition, true);
  await changeStateFiles(host, domain, change, journaledCall(call, domain.ref()));
  if (!sameName) {
    host.add(domain);
    return domain;
  }
  sameName.persistentDefinition = definition;
  sameName.persistent = true;
  return sameName;
}

/** `virDomainUndefineFlags`: refused while snapshot metadata exists unless SNAPSHOTS_METADATA; a running domain becomes transient. */
export async function undefineDomain(host: QemuHost, domain: QemuDomain, flags: number, call?: OperationCall): Promise<void> {
  if (!domain.persistent) throw invalid('cannot undefine transient domain');
  const count = domain.snapshots.size;
  if (count > 0 && !(flags & DomainUndefineFlags.SnapshotsMetadata)) throw invalid(`cannot delete inactive domain with ${count} snapshots`);
  const { layout } = host.services;
  const names = [...domain.snapshots.all()].map((s) => s.def.name);
  const metadata: FileChange[] = [
    ...names.map((name) => ({ path: layout.snapshotFile(domain.name, name), content: null, pruneDirectory: true })),
    ...nvramCopyRemovals(layout, domain.name, names),
  ];
  const change: StateChange = { metadata, definitions: [{ path: layout.domainFile(domain.name), content: null }] };
  const nvram = nvramToRemove(domain, layout.stateDir, flags);
  if (nvram !== undefined) change.definitions.push({ path: nvram, content: null });
  if (domain.live) change.status = { persistent: false };
  await changeStateFiles(host, domain, change, journaledCall(call, null));
  for (const snapshot of [...domain.snapshots.all()]) domain.snapshots.remove(snapshot);
  if (domain.active) domain.persistent = false;
  else host.remove(domain);
}

/**
 * libvirt's NVRAM rule of `virDomainUndefineFlags`: a UEFI domain whose NVRAM file exists is
 * undefined only with UNDEFINE_NVRAM (the file is removed with the definition) or KEEP_NVRAM.
 */
function nvramToRemove(domain: QemuDomain, stateDir: string, flags: number): string | undefined {
  if (flags & DomainUndefineFlags.Nvram && flags & DomainUndefineFlags.KeepNvram) throw invalid('cannot both keep and delete nvram');
  if (!bootsUefi(domain.persistentDefinition)) return undefined;
  const os = childElement(domain.persistentDefinition.tree, 'os');
  const named = os && childElement(os, 'nvram') ? textOf(childElement(os, 'nvram')!).trim() : '';
  const path = named !== '' ? named : defaultNvramPath(stateDir, domain.name);
  if (!existsSync(path)) return undefined;
  if (flags & DomainUndefineFlags.Nvram) return path;
  if (!(flags & DomainUndefineFlags.KeepNvram)) throw invalid('cannot undefine domain with nvram');
  return undefined;
}

/**
 * `virDomainCreateWithFlags`: launches QEMU detached so it outlives the daemon, paused with
 * START_PAUSED. Journaled: a start a crash interrupts is undone (its QEMU stopped) unless its
 * status file was written.
 */
export async function startDomain(host: QemuHost, domain: QemuDomain, flags: number, call?: OperationCall): Promise<void> {
  if (domain.active) throw invalid('domain is already running');
  const paused = (flags & DomainCreateFlags.StartPaused) !== 0;
  const reason = paused ? Reason.PausedUser : Reason.RunningBooted;
  const resetNvram = (flags & DomainCreateFlags.StartResetNvram) !== 0;
  await runIntent(host, domain, { kind: 'domain-start', paused, reason }, () => launchGuest(host, domain, { paused, reason, resetNvram }), {
    request: journaledCall(call, null),
  });
}

/** `virDomainDestroyFlags`: stops QEMU (quit, then SIGKILL); completed by recovery once journaled. */
export async function destroyDomain(host: QemuHost, domain: QemuDomain, call?: OperationCall): Promise<void> {
  if (!domain.guest) throw invalid('domain is not running');
  const reason = Reason.ShutoffDestroyed;
  await runIntent(host, domain, { kind: 'domain-stop', reason }, () => stopGuest(host, domain, reason), {
    phase: 'committed',
    request: journaledCall(call, null),
  });
}

/** `virDomainSuspend`: QMP stop. */
export async function suspendDomain(host: QemuHost, domain: QemuDomain, call?: OperationCall): Promise<void> {
  if (!domain.guest) throw invalid('domain is not running');
  if (domain.state === DomainState.Paused) return;
  const reason = Reason.PausedUser;
  await runIntent(
    host,
    domain,
    { kind: 'domain-run-state', target: 'paused', reason },
    async () => {
      await domain.guest!.pause();
      guestPaused(host, domain, reason);
    },
    { phase: 'committed', request: journaledCall(call, null) },
  );
}

/** `virDomainResume`: QMP cont. */
export async function resumeDomain(host: QemuHost, domain: QemuDomain, call?: OperationCall): Promise<void> {
  if (!domain.guest) throw invalid('domain is not running');
  if (domain.state !== DomainState.Paused) throw invalid('domain is already running');
  const reason = Reason.RunningUnpaused;
  await runIntent(
    host,
    domain,
    { kind: 'domain-run-state', target: 'running', reason },
    async () => {
      await domain.guest!.resume();
      guestResumed(host, domain, reason);
    },
    { phase: 'committed', request: journaledCall(call, null) },
  );
}

/**
 * `virDomainShutdownFlags`: like libvirt, asks the guest to power off (the guest agent's
 * guest-shutdown with GUEST_AGENT, or by default when the domain has an agent channel; the ACPI
 * power button through QMP system_powerdown with ACPI_POWER_BTN, by default, and when the agent
 * fails unless only GUEST_AGENT was given) and returns at once; the domain stays running until the guest acts, and
 * a guest without an operating system never does: use DomainDestroy for those. Nothing of the
 * daemon's state changes here, so nothing is journaled; the guest's own power-off, when it comes,
 * is decided in guest-lifecycle.ts (SHUTOFF_SHUTDOWN).
 */
export async function shutdownDomain(domain: QemuDomain, flags = 0): Promise<void> {
  if (!domain.guest || domain.state !== DomainState.Running) throw invalid('domain is not running');
  // libvirt's qemuDomainShutdownFlags: the agent when asked (or, with no flags, when it is configured), ACPI otherwise or as the fallback
  const agentAsked = (flags & DomainShutdownFlags.GuestAgent) !== 0;
  const acpiAllowed = flags === 0 || (flags & DomainShutdownFlags.AcpiPowerBtn) !== 0;
  if (agentAsked || (flags === 0 && agentSocketPath(domain) !== undefined)) {
    try {
      const agent = await GuestAgentSession.open(domain);
      try {
        await agent.shutdown();
      } finally {
        agent.close();
      }
      return;
    } catch (error) {
      if (!acpiAllowed) throw error;
    }
  }
  await domain.guest.qmp.execute('system_powerdown');
}

/** CPU time the guest's QEMU process used, in nanoseconds (utime + stime from /proc). */
export function cpuTimeNs(domain: QemuDomain): number {
  if (!domain.guest) return 0;
  try {
    const stat = readFileSync(`/proc/${domain.guest.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10_000_000 : 0;
  } catch {
    return 0;
  }
}
