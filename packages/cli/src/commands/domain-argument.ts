// Resolves a command's <domain> argument by id, UUID or name, as virsh's virshCommandOptDomain does.
import type { Connection, Domain } from '@virtwire/client';
import type { OptionDefinition } from '../shell/command-definition.js';
import type { ParsedOptions } from '../shell/parsed-options.js';
import { CommandError } from '../shell/shell-errors.js';

/** Which lookups to try (virsh's VIRSH_BYID, VIRSH_BYUUID, VIRSH_BYNAME). */
export interface LookupKinds {
  byId?: boolean;
  byUuid?: boolean;
  byName?: boolean;
}

const EVERY_KIND: LookupKinds = { byId: true, byUuid: true, byName: true };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function attempt(lookup: () => Promise<Domain>): Promise<Domain | undefined> {
  try {
    return await lookup();
  } catch {
    return undefined;
  }
}

/**
 * `virshLookupDomainBy`: a non-negative number is tried as an id, a UUID as a UUID, then the text
 * as a name. Whatever failed, virsh reports only `failed to get domain 'TEXT'`.
 */
export async function lookupDomain(connection: Connection, text: string, kinds: LookupKinds = EVERY_KIND): Promise<Domain> {
  let domain: Domain | undefined;
  if (kinds.byId && /^\s*\+?\d+$/.test(text)) {
    const id = Number(text);
    if (id <= 0x7fffffff) domain = await attempt(() => connection.domainLookupByID(id));
  }
  if (!domain && kinds.byUuid && UUID.test(text)) domain = await attempt(() => connection.domainLookupByUUID(text));
  if (!domain && kinds.byName && text.length <= 1024) domain = await attempt(() => connection.domainLookupByName(text));
  if (!domain) throw new CommandError(`failed to get domain '${text}'`);
  return domain;
}

/** The domain named by the `domain` option, and the text it was named by (virsh prints that text). */
export async function domainArgument(
  connection: Connection,
  options: ParsedOptions,
  kinds: LookupKinds = EVERY_KIND,
): Promise<{ domain: Domain; given: string }> {
  const given = options.required('domain');
  return { domain: await lookupDomain(connection, given, kinds), given };
}

/** The `<domain>` option every domain command takes (virsh's VIRSH_COMMON_OPT_DOMAIN), with its help text. */
export function domainOption(help = 'domain name, id or uuid'): OptionDefinition {
  return { name: 'domain', type: 'data', required: true, help };
}
