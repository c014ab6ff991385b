// The domain read calls every driver answers the same way from its domain table: lookups, XML, state, active, persistent.
import { DomainXMLFlags, type DomainRef } from '@virtwire/protocol';
import type { DriverHandlers } from '../driver.js';

/** A domain as the shared handlers see it. */
export interface QueriedDomain {
  readonly state: number;
  readonly reason: number;
  readonly active: boolean;
  readonly persistent: boolean;
  ref(): DomainRef;
  /** The domain XML: the persistent definition with `inactive`, else the one in effect. */
  formatXml(inactive: boolean): string;
}

/** How a driver finds its domains; each lookup fails with libvirt's "no domain with matching ..." error. */
export interface DomainTable<D extends QueriedDomain> {
  lookupByName(name: string): D;
  lookupByUuid(uuid: string): D;
  lookupById(id: number): D;
  resolve(ref: DomainRef): D;
}

type DomainQueryMethod =
  | 'DomainLookupByName'
  | 'DomainLookupByUUID'
  | 'DomainLookupByID'
  | 'DomainGetXMLDesc'
  | 'DomainGetState'
  | 'DomainIsActive'
  | 'DomainIsPersistent';

/** The flags each shared read method accepts, for a driver's capabilities (libvirt's `virCheckFlags` masks). */
export const domainQueryFlags = {
  DomainLookupByName: 0,
  DomainLookupByUUID: 0,
  DomainLookupByID: 0,
  DomainGetXMLDesc: DomainXMLFlags.Secure | DomainXMLFlags.Inactive | DomainXMLFlags.Migratable,
  DomainGetState: 0,
  DomainIsActive: 0,
  DomainIsPersistent: 0,
} satisfies Record<DomainQueryMethod, number>;

/** The read handlers of libvirt's domain API over a driver's domain table. */
export function domainQueryHandlers<D extends QueriedDomain>(table: DomainTable<D>): Pick<Required<DriverHandlers>, DomainQueryMethod> {
  return {
    DomainLookupByName: ({ name }) => table.lookupByName(name).ref(),
    DomainLookupByUUID: ({ uuid }) => table.lookupByUuid(uuid).ref(),
    DomainLookupByID: ({ id }) => table.lookupById(id).ref(),
    DomainGetXMLDesc: ({ domain, flags }) => table.resolve(domain).formatXml((flags & DomainXMLFlags.Inactive) !== 0),
    DomainGetState: ({ domain }) => {
      const d = table.resolve(domain);
      return { state: d.state, reason: d.reason };
    },
    DomainIsActive: ({ domain }) => table.resolve(domain).active,
    DomainIsPersistent: ({ domain }) => table.resolve(domain).persistent,
  };
}
