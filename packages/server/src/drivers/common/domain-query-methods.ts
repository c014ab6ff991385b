// The domain read calls every driver answers the same way from its domain table: lookups, XML, state, active, persistent.
import { DomainXMLFlags, type DomainRef } from '@virtwire/protocol';
import type { DriverMethods } from '../driver.js';

/** A domain as the shared handlers see it. */
export interface QueriedDomain {
  readonly state: number;
  readonly reason: number;
  readonly active: boolean;
  readonly persistent: boolean;
  ref(): DomainRef;
  /** The domain XML: the persistent definition with `inactive`, else the one in effect. */
  /** The domain XML of virDomainGetXMLDesc: the persistent definition with INACTIVE, secrets only with SECURE. */
  formatXml(options: { inactive: boolean; secure: boolean }): string;
}

/** How a driver finds its domains; each lookup fails with libvirt's "no domain with matching ..." error. */
export interface DomainTable<D extends QueriedDomain> {
  lookupByName(name: string): D;
  lookupByUuid(uuid: string): D;
  lookupById(id: number): D;
  resolve(ref: DomainRef): D;
}

type DomainQueryMethod =
  'DomainLookupByName' | 'DomainLookupByUUID' | 'DomainLookupByID' | 'DomainGetXMLDesc' | 'DomainGetState' | 'DomainIsActive' | 'DomainIsPersistent';

/** The read methods of libvirt's domain API over a driver's domain table, with their flag masks (libvirt's `virCheckFlags`). */
export function domainQueryMethods<D extends QueriedDomain>(table: DomainTable<D>): Pick<Required<DriverMethods>, DomainQueryMethod> {
  return {
    DomainLookupByName: { flags: 0, handle: ({ name }) => table.lookupByName(name).ref() },
    DomainLookupByUUID: { flags: 0, handle: ({ uuid }) => table.lookupByUuid(uuid).ref() },
    DomainLookupByID: { flags: 0, handle: ({ id }) => table.lookupById(id).ref() },
    DomainGetXMLDesc: {
      flags: DomainXMLFlags.Secure | DomainXMLFlags.Inactive | DomainXMLFlags.Migratable,
      handle: ({ domain, flags }) =>
        table.resolve(domain).formatXml({ inactive: (flags & DomainXMLFlags.Inactive) !== 0, secure: (flags & DomainXMLFlags.Secure) !== 0 }),
    },
    DomainGetState: {
      flags: 0,
      handle: ({ domain }) => {
        const d = table.resolve(domain);
        return { state: d.state, reason: d.reason };
      },
    },
    DomainIsActive: { flags: 0, handle: ({ domain }) => table.resolve(domain).active },
    DomainIsPersistent: { flags: 0, handle: ({ domain }) => table.resolve(domain).persistent },
  };
}
