// The test driver's domain lifecycle: define, undefine, start, destroy, suspend, resume, shutdown, with libvirt's texts.
import { DomainCreateFlags, DomainState, DomainUndefineFlags, ErrorDomain, ErrorNumber, VirError, DomainDefineFlags } from '@virtwire/protocol';
import { childText, DomainDefinition, TEST_DRIVER_DEFAULTS } from '@virtwire/protocol/xml';
import { confineDefinition } from '../../storage/definition-paths.js';
import { checkDomainName } from '../common/object-names.js';
import { StateReason, TestDomain } from './test-domain.js';
import { TestNode } from './test-node.js';

const internal = (detail: string) => VirError.report(ErrorNumber.InternalError, ErrorDomain.Test, detail);

/** libvirt's `virDomainObjCheckActive` (src/conf/domain_conf.c, VIR_FROM_DOMAIN). */
export function checkActive(domain: TestDomain): void {
  if (!domain.active) throw VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Domain, 'domain is not running');
}

/**
 * `virDomainDefineXMLFlags` (testDomainDefineXMLFlags): adds a persistent domain, or replaces the
 * definition of an existing one. A running domain keeps its live definition until it stops.
 */
export function defineDomain(node: TestNode, xml: string, flags = 0): TestDomain {
  const validate = (flags & DomainDefineFlags.Validate) !== 0;
  const definition = DomainDefinition.parse(xml, {
    generateUuid: TestNode.generateUuid,
    generateMac: TestNode.generateMac,
    defaults: TEST_DRIVER_DEFAULTS,
    validate,
  });
  checkDomainName(definition.name);
  // Simulated storage: the paths are names the driver records, opened never (new overlays are checked when made).
  confineDefinition(definition, node.confinement, ErrorDomain.Test, undefined, true);
  const sameUuid = node.findByUuid(definition.uuid);
  if (sameUuid && sameUuid.name !== definition.name) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${sameUuid.name}' is already defined with uuid ${definition.uuid}`);
  }
  const sameName = node.findByName(definition.name);
  if (sameName && sameName.uuid !== definition.uuid) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${definition.name}' already exists with uuid ${sameName.uuid}`);
  }
  if (sameName) {
    if (sameName.active) sameName.pendingDefinition = definition;
    else sameName.effective = definition;
    sameName.persistent = true;
    node.registerDiskImages(definition);
    return sameName;
  }
  const domain = new TestDomain(definition, true, DomainState.Shutoff, StateReason.Unknown);
  node.add(domain);
  return domain;
}

/**
 * `virDomainUndefineFlags` (testDomainUndefineFlags): an inactive domain with snapshot metadata is
 * refused unless SNAPSHOTS_METADATA is given; an active domain just becomes transient.
 */
export function undefineDomain(node: TestNode, domain: TestDomain, flags: number): void {
  const snapshots = domain.snapshots.size;
  if (!domain.active && snapshots > 0 && !(flags & DomainUndefineFlags.SnapshotsMetadata)) {
    throw VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Test, `cannot delete inactive domain with ${snapshots} snapshots`);
  }
  if (domain.active) {
    // libvirt keeps a pending definition (newDef): the transient domain's inactive XML still shows it.
    domain.persistent = false;
  } else {
    node.remove(domain);
  }
}

/** `virDomainCreateWithFlags`: starts a shut-off domain; START_PAUSED (a virtwire extension here) leaves it paused. */
export function startDomain(node: TestNode, domain: TestDomain, flags: number): void {
  if (domain.state !== DomainState.Shutoff) throw internal(`Domain '${domain.name}' is already running`);
  if (flags & DomainCreateFlags.StartPaused) domain.start(node.allocateId(), DomainState.Paused, StateReason.PausedUser);
  else domain.start(node.allocateId(), DomainState.Running, StateReason.RunningBooted);
}

/** Stops a domain with `reason`; a transient domain disappears, as in libvirt. */
export function stopDomain(node: TestNode, domain: TestDomain, reason: number): void {
  domain.stop(reason);
  if (!domain.persistent) node.remove(domain);
}

/** `virDomainDestroyFlags`. */
export function destroyDomain(node: TestNode, domain: TestDomain): void {
  checkActive(domain);
  stopDomain(node, domain, StateReason.ShutoffDestroyed);
}

/** `virDomainShutdownFlags`: the guest obeys at once, doing what `<on_poweroff>` says (destroy by default). */
export function shutdownDomain(node: TestNode, domain: TestDomain): void {
  if (domain.state === DomainState.Shutoff) throw internal(`domain '${domain.name}' not running`);
  const action = childText(domain.effective.tree, 'on_poweroff')?.trim();
  if (action === 'restart' || action === 'rename-restart') {
    domain.state = DomainState.Running;
    domain.reason = StateReason.RunningBooted;
    return;
  }
  stopDomain(node, domain, StateReason.ShutoffShutdown);
}

/** `virDomainSuspend`. */
export function suspendDomain(domain: TestDomain): void {
  if (domain.state === DomainState.Shutoff || domain.state === DomainState.Paused) {
    throw internal(`domain '${domain.name}' not running`);
  }
  domain.state = DomainState.Paused;
  domain.reason = StateReason.PausedUser;
}

/** `virDomainResume`. */
export function resumeDomain(domain: TestDomain): void {
  if (domain.state !== DomainState.Paused) throw internal(`domain '${domain.name}' not paused`);
  domain.state = DomainState.Running;
  domain.reason = StateReason.RunningUnpaused;
}

/** `virDomainReboot` (testDomainReboot): the `<on_reboot>` action, `restart` booting it again at once. */
export function rebootDomain(node: TestNode, domain: TestDomain): void {
  checkActive(domain);
  if (domain.effective.spec().lifecycle.onReboot === 'restart') {
    domain.state = DomainState.Running;
    domain.reason = StateReason.RunningBooted;
  } else {
    stopDomain(node, domain, StateReason.ShutoffShutdown);
  }
}

/** `virDomainReset` (testDomainReset): a running domain stays as it is. */
export function resetDomain(domain: TestDomain): void {
  checkActive(domain);
}
