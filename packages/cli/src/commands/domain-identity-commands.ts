// domuuid, domname and domid: one identifier of a domain from another, as virsh prints them.
import type { CommandDefinition } from '../shell/command-definition.js';
import { domainArgument, domainOption } from './domain-argument.js';

/** `domuuid DOMAIN`: the UUID of a domain given by id or name. */
export const domuuidCommand: CommandDefinition = {
  name: 'domuuid',
  group: 'domain',
  summary: 'convert a domain name or id to domain UUID',
  description: 'Print the UUID of a domain given by name or id.',
  options: [domainOption('domain id or name')],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options, { byId: true, byName: true });
    out.print(`${domain.uuid}\n`);
  },
};

/** `domname DOMAIN`: the name of a domain given by id or UUID (never by name, as virsh). */
export const domnameCommand: CommandDefinition = {
  name: 'domname',
  group: 'domain',
  summary: 'convert a domain id or UUID to domain name',
  description: 'Print the name of a domain given by id or UUID.',
  options: [domainOption('domain id or uuid')],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options, { byId: true, byUuid: true });
    out.print(`${domain.name}\n`);
  },
};

/** `domid DOMAIN`: the id of a running domain, `-` for an inactive one. */
export const domidCommand: CommandDefinition = {
  name: 'domid',
  group: 'domain',
  summary: 'convert a domain name or UUID to domain id',
  description: 'Print the id of a domain given by name or UUID.',
  options: [domainOption('domain name or uuid')],
  async run({ connection, out }, options) {
    const { domain } = await domainArgument(connection, options, { byName: true, byUuid: true });
    out.print(domain.id === -1 ? '-\n' : `${domain.id}\n`);
  },
};
