// Both drivers refuse the same domain and snapshot names (protocol's nameProblem), with libvirt's error numbers.
import { ErrorDomain, ErrorNumber, nameProblem, printableName, VirError } from '@virtwire/protocol';

/** Refuses a domain name the name policy does not accept: VIR_ERR_XML_ERROR (VIR_FROM_DOMAIN), as libvirt refuses '/'. */
export function checkDomainName(name: string): void {
  const problem = nameProblem(name);
  if (problem) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, `domain name '${printableName(name)}': ${problem}`);
}

/** Refuses a snapshot name the name policy does not accept: VIR_ERR_XML_DETAIL in the driver's error domain, as qemuSnapshotCreateXMLValidateDef. */
export function checkSnapshotName(name: string, errorDomain: number): void {
  const problem = nameProblem(name);
  if (problem) throw VirError.report(ErrorNumber.XmlDetail, errorDomain, `invalid snapshot name '${printableName(name)}': ${problem}`);
}
