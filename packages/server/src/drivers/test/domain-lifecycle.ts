// The test driver's domain lifecycle: define, undefine, start, destroy, suspend, resume, shutdown.
import {
  DomainCreateFlags,
  DomainDefinition,
  DomainState,
  DomainUndefineFlags,
  ErrorDomain,
  ErrorNumber,
  VirError,
} from '@virtwire/protocol';
import { StateReason, TestDomain } from './test-domain.js';
import { TestNode } from './test-node.js';

const invalid = (detail: string) => VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Test, detail);

/** `virDomainDefineXML`: adds a persistent domain or replaces the definition of an existing one. */
export function defineDomain(node: TestNode, xml: string): TestDomain {
  const definition = DomainDefinition.parse(xml, { generateUuid: TestNode.generateUuid });
  const sameName = node.findByName(definition.name);
  const sameUuid = node.findByUuid(definition.uuid);
  if (sameUuid && sameUuid.name !== definition.name) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${sameUuid.name}' is already defined with uuid ${definition.uuid}`);
  }
  if (sameName && sameName.uuid !== definition.uuid) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${definition.name}' already exists with uuid ${sameName.uuid}`);
  }
  if (sameName) {
    sameName.definition = definition;
    sameName.persistent = true;
    node.registerDiskImages(sameName);
    return sameName;
  }
  const domain = new TestDomain(definition, true, DomainState.Shutoff, StateReason.Unknown);
  node.add(domain);
  return domain;
}

/** `virDomainUndefineFlags`: refused while snapshot metadata exists unless SNAPSHOTS_METADATA is given. */
export function undefineDomain(node: TestNode, domain: TestDomain, flags: number): void {
  if (!domain.persistent) throw invalid('cannot undefine transient domain');
  const snapshots = domain.snapshots.size;
  if (snapshots > 0 && !(flags & DomainUndefineFlags.SnapshotsMetadata)) {
    throw invalid(`cannot delete inactive domain with ${snapshots} snapshots`);
  }
  if (flags & DomainUndefineFlags.SnapshotsMetadata) {
    for (const snapshot of [...domain.snapshots.all()]) domain.snapshots.remove(snapshot);
  }
  if (domain.active) domain.persistent = false;
  else node.remove(domain);
}

/** `virDomainCreateWithFlags`: starts a shut-off domain, paused with START_PAUSED. */
export function startDomain(node: TestNode, domain: TestDomain, flags: number): void {
  if (domain.active) throw invalid('domain is already running');
  domain.id = node.allocateId();
  if (flags & DomainCreateFlags.StartPaused) {
    domain.state = DomainState.Paused;
    domain.reason = StateReason.PausedUser;
  } else {
    domain.state = DomainState.Running;
    domain.reason = StateReason.Booted;
  }
}

/** Stops a domain with `reason`; a transient domain disappears, as in libvirt. */
export function stopDomain(node: TestNode, domain: TestDomain, reason: number): void {
  domain.state = DomainState.Shutoff;
  domain.reason = reason;
  domain.id = -1;
  if (!domain.persistent) node.remove(domain);
}

/** `virDomainDestroy`. */
export function destroyDomain(node: TestNode, domain: TestDomain): void {
  if (!domain.active) throw invalid('domain is not running');
  stopDomain(node, domain, StateReason.ShutoffDestroyed);
}

/** `virDomainShutdown`: the test driver's guest shuts down at once. */
export function shutdownDomain(node: TestNode, domain: TestDomain): void {
  if (domain.state !== DomainState.Running) throw invalid(`domain '${domain.name}' not running`);
  stopDomain(node, domain, StateReason.ShutoffShutdown);
}

/** `virDomainSuspend`. */
export function suspendDomain(domain: TestDomain): void {
  if (!domain.active) throw invalid('domain is not running');
  if (domain.state === DomainState.Paused) throw invalid(`domain '${domain.name}' is already paused`);
  domain.state = DomainState.Paused;
  domain.reason = StateReason.PausedUser;
}

/** `virDomainResume`. */
export function resumeDomain(domain: TestDomain): void {
  if (domain.state !== DomainState.Paused) throw invalid(`domain '${domain.name}' not paused`);
  domain.state = DomainState.Running;
  domain.reason = StateReason.RunningUnpaused;
}
