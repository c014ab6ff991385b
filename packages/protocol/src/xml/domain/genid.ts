// A domain's `<genid>` (VM generation ID) as libvirt 9.0 reads and writes it: given, or generated when empty (virDomainDefParseIDs).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { element, textOf, type XmlElement } from '../xml-tree.js';
import { parseUuidText } from './sysinfo.js';

/**
 * virDomainDefParseIDs' `<genid>`: at most one; an empty one asks for a generated ID (from
 * `generate`; kept empty without it), another must be a UUID (read as virUUIDParse reads it) and is
 * written in libvirt's form. Undefined without `<genid>`.
 */
export function canonicalGenid(genids: readonly XmlElement[], generate: (() => string) | undefined): XmlElement | undefined {
  if (genids.length === 0) return undefined;
  if (genids.length > 1) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, "element 'genid' can only appear once");
  const given = textOf(genids[0]!);
  if (given === '') {
    const generated = generate?.() ?? '';
    return element('genid', {}, generated === '' ? [] : [generated]);
  }
  const genid = parseUuidText(given);
  if (genid === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'malformed genid element');
  return element('genid', {}, [genid]);
}
