// Bounds an `xml` parameter before any XML parser sees it: size, element depth, disks per snapshot and per domain.
import { ErrorNumber, VirError, type MethodSpec } from '@virtwire/protocol';

/** The XML bounds of {@link DaemonLimits}. */
export interface XmlBounds {
  maxXmlBytes: number;
  maxXmlDepth: number;
  maxSnapshotDisks: number;
  maxDomainDisks: number;
}

/** What a linear scan of a document found (the real parser still checks well-formedness). */
export interface XmlShape {
  depth: number;
  /** `<disk>` elements directly below the root's `<disks>` (a snapshot's disk list). */
  snapshotDisks: number;
  /** The most `<disk>` elements in one `<devices>` of a domain: the root's, or a snapshot's `<domain>` or `<inactiveDomain>`. */
  domainDisks: number;
}

/** True for the `<devices>` of a domain definition: `/domain/devices`, `/domainsnapshot/domain/devices`, `/domainsnapshot/inactiveDomain/devices`. */
function isDomainDevices(path: readonly string[]): boolean {
  if (path.length === 2) return path[0] === 'domain' && path[1] === 'devices';
  return path.length === 3 && path[0] === 'domainsnapshot' && (path[1] === 'domain' || path[1] === 'inactiveDomain') && path[2] === 'devices';
}

/**
 * Scans XML text once, without building anything: start tags deepen, end tags and `/>` return;
 * comments, CDATA, processing instructions and declarations are skipped; quotes inside tags are
 * honoured. Stops early once `stopAtDepth` is passed.
 */
export function scanXmlShape(xml: string, stopAtDepth: number): XmlShape {
  const path: string[] = [];
  let depth = 0;
  let snapshotDisks = 0;
  let domainDisks = 0;
  const devicesDisks: number[] = [];
  let i = 0;
  while (i < xml.length) {
    const open = xml.indexOf('<', i);
    if (open < 0) break;
    if (xml.startsWith('<!--', open)) {
      const end = xml.indexOf('-->', open + 4);
      i = end < 0 ? xml.length : end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', open)) {
      const end = xml.indexOf(']]>', open + 9);
      i = end < 0 ? xml.length : end + 3;
      continue;
    }
    if (xml[open + 1] === '?' || xml[open + 1] === '!') {
      const end = xml.indexOf('>', open + 2);
      i = end < 0 ? xml.length : end + 1;
      continue;
    }
    let j = open + 1;
    let quote = '';
    while (j < xml.length) {
      const c = xml[j]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '>') {
        break;
      }
      j++;
    }
    const closing = xml[open + 1] === '/';
    const selfClosing = xml[j - 1] === '/';
    const name = /^[^\s/>]*/.exec(xml.slice(open + (closing ? 2 : 1), Math.min(j, open + 130)))![0];
    if (closing) {
      if (isDomainDevices(path)) devicesDisks.pop();
      path.pop();
      depth = Math.max(0, depth - 1);
    } else {
      if (path.length === 2 && path[1] === 'disks' && name === 'disk') snapshotDisks++;
      if (name === 'disk' && isDomainDevices(path)) {
        const count = (devicesDisks[devicesDisks.length - 1] ?? 0) + 1;
        devicesDisks[devicesDisks.length - 1] = count;
        domainDisks = Math.max(domainDisks, count);
      }
      if (!selfClosing) {
        path.push(name);
        if (isDomainDevices(path)) devicesDisks.push(0);
        depth++;
        if (depth > stopAtDepth) return { depth, snapshotDisks, domainDisks };
      } else if (depth + 1 > stopAtDepth) {
        return { depth: depth + 1, snapshotDisks, domainDisks };
      }
    }
    i = j + 1;
  }
  return { depth: Math.max(depth, path.length), snapshotDisks, domainDisks };
}

/**
 * Refuses an `xml` parameter past the daemon's bounds, as libvirt's XML layer refuses an
 * unparseable document (VIR_ERR_XML_DETAIL in the method's error domain). Runs after the
 * permission check and before any parsing.
 */
export function checkXmlBounds(definition: MethodSpec, params: unknown, bounds: XmlBounds): VirError | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const xml = (params as { xml?: unknown }).xml;
  if (typeof xml !== 'string') return undefined;
  if (xml.length > bounds.maxXmlBytes) {
    return VirError.report(ErrorNumber.XmlDetail, definition.errorDomain, `XML document is larger than ${bounds.maxXmlBytes} characters`);
  }
  const shape = scanXmlShape(xml, bounds.maxXmlDepth);
  if (shape.depth > bounds.maxXmlDepth) {
    return VirError.report(ErrorNumber.XmlDetail, definition.errorDomain, `XML document is nested deeper than ${bounds.maxXmlDepth} elements`);
  }
  if (definition.xml === 'snapshot' && shape.snapshotDisks > bounds.maxSnapshotDisks) {
    return VirError.report(
      ErrorNumber.XmlError,
      definition.errorDomain,
      `snapshot lists ${shape.snapshotDisks} disks; this daemon accepts at most ${bounds.maxSnapshotDisks}`,
    );
  }
  if (shape.domainDisks > bounds.maxDomainDisks) {
    return VirError.report(
      ErrorNumber.XmlError,
      definition.errorDomain,
      `domain definition has ${shape.domainDisks} disks; this daemon accepts at most ${bounds.maxDomainDisks}`,
    );
  }
  return undefined;
}
