// libvirt's virConnectListAllDomains filters: groups of flags where neither bit set means no filtering.
import { ConnectListAllDomainsFlags as List, DomainState } from '@virtwire/protocol';

/** What the filters look at in a domain. */
export interface ListedDomain {
  readonly active: boolean;
  readonly persistent: boolean;
  readonly state: number;
  readonly snapshotCount: number;
  readonly hasManagedSave?: boolean;
  readonly autostart?: boolean;
}

/** True when `domain` passes every filter group of `flags` (virDomainObjListFilter). */
export function domainMatchesFilters(domain: ListedDomain, flags: number): boolean {
  const group = (a: number, b: number, isA: boolean) => !(flags & (a | b)) || Boolean(flags & a && isA) || Boolean(flags & b && !isA);
  const states = List.Running | List.Paused | List.Shutoff | List.Other;
  const known: number[] = [DomainState.Running, DomainState.Paused, DomainState.Shutoff];
  const stateOk =
    !(flags & states) ||
    Boolean(flags & List.Running && domain.state === DomainState.Running) ||
    Boolean(flags & List.Paused && domain.state === DomainState.Paused) ||
    Boolean(flags & List.Shutoff && domain.state === DomainState.Shutoff) ||
    Boolean(flags & List.Other && !known.includes(domain.state));
  return (
    group(List.Active, List.Inactive, domain.active) &&
    group(List.Persistent, List.Transient, domain.persistent) &&
    stateOk &&
    group(List.Managedsave, List.NoManagedsave, domain.hasManagedSave ?? false) &&
    group(List.Autostart, List.NoAutostart, domain.autostart ?? false) &&
    group(List.HasSnapshot, List.NoSnapshot, domain.snapshotCount > 0) &&
    group(List.HasCheckpoint, List.NoCheckpoint, false)
  );
}
