// What a sweep reads back after a snapshot was created: its XML, whether it is current and has metadata, the list, and the domain's state and XML.

/**
 * The state after `snap` was created on `dom`, each read through `attempt` (a result or the error it
 * gave), with `call(method, params)` over the case's connection; the same reads as snapshot-calls.py.
 */
export async function snapshotAfter(call, attempt, dom, snap) {
  return {
    xml: await attempt(() => call('DomainSnapshotGetXMLDesc', { snapshot: snap, flags: 0 })),
    xmlSecure: await attempt(() => call('DomainSnapshotGetXMLDesc', { snapshot: snap, flags: 1 })),
    isCurrent: await attempt(async () => ((await call('DomainSnapshotIsCurrent', { snapshot: snap, flags: 0 })) ? 1 : 0)),
    hasMetadata: await attempt(async () => ((await call('DomainSnapshotHasMetadata', { snapshot: snap, flags: 0 })) ? 1 : 0)),
    list: await attempt(async () => [...(await call('DomainListAllSnapshots', { domain: dom, flags: 0 })).names].sort()),
    domainState: await attempt(async () => {
      const s = await call('DomainGetState', { domain: dom, flags: 0 });
      return [s.state, s.reason];
    }),
    domainXml: await attempt(() => call('DomainGetXMLDesc', { domain: dom, flags: 2 })),
    domainXmlSecure: await attempt(() => call('DomainGetXMLDesc', { domain: dom, flags: 3 })),
  };
}
