// uri, hostname, version and capabilities: facts about the connection and its host, as virsh prints them.
import { LIB_VERSION } from '@virtwire/client';
import { switchOption, type CommandDefinition } from '../shell/command-definition.js';
import { CommandError } from '../shell/shell-errors.js';

/** `1002003` -> `1.2.3` (libvirt's version numbers). */
export const versionText = (n: number) => `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1_000) % 1_000}.${n % 1_000}`;

/** `test+ws://host/default` -> `TEST`: the driver's name, as virConnectGetType gives it through a daemon. */
const driverType = (uri: string) => (/^([a-z][a-z0-9]*)/i.exec(uri)?.[1] ?? '').toUpperCase();

/** `uri`: the URI the session is connected with. */
export const uriCommand: CommandDefinition = {
  name: 'uri',
  group: 'host',
  summary: 'print the hypervisor canonical URI',
  description: 'Prints the hypervisor canonical URI.',
  options: [],
  async run({ out, shell }) {
    out.print(`${shell.uri}\n`);
  },
};

/** `hostname`: virConnectGetHostname. */
export const hostnameCommand: CommandDefinition = {
  name: 'hostname',
  group: 'host',
  summary: 'print the hypervisor hostname',
  description: 'Print the hypervisor hostname.',
  options: [],
  async run({ connection, out }) {
    out.print(`${await connection.getHostname()}\n`);
  },
};

/** `version [--daemon]`: vwsh's library version, the driver's name and the hypervisor's version. */
export const versionCommand: CommandDefinition = {
  name: 'version',
  group: 'host',
  summary: 'show version',
  description: 'Display the system version information.',
  options: [switchOption('daemon', 'report daemon version too')],
  async run({ connection, out, shell }, options) {
    const library = versionText(LIB_VERSION);
    const type = driverType(shell.uri);
    out.print(`Compiled against library: virtwire ${library}\n`);
    out.print(`Using library: virtwire ${library}\n`);
    out.print(`Using API: ${type} ${library}\n`);
    out.print(`Running hypervisor: ${type} ${versionText(await connection.getVersion())}\n`);
    if (options.has('daemon')) throw new CommandError('failed to get the daemon version');
  },
};

/** `capabilities`: the host capabilities XML. */
export const capabilitiesCommand: CommandDefinition = {
  name: 'capabilities',
  group: 'host',
  summary: 'capabilities',
  description: 'Returns capabilities of hypervisor/driver.',
  options: [],
  async run({ connection, out }) {
    out.print(`${await connection.getCapabilitiesXML()}\n`);
  },
};

/** `nodeinfo`: the host's CPU model, topology and memory. */
export const nodeinfoCommand: CommandDefinition = {
  name: 'nodeinfo',
  group: 'host',
  summary: 'node information',
  description: 'Returns basic information about the node.',
  options: [],
  async run({ connection, out }) {
    const info = await connection.getNodeInfo();
    const line = (name: string, value: string | number) => out.print(`${name.padEnd(20)} ${value}\n`);
    line('CPU model:', info.model);
    line('CPU(s):', info.cpus);
    line('CPU frequency:', `${info.mhz} MHz`);
    line('CPU socket(s):', info.sockets);
    line('Core(s) per socket:', info.cores);
    line('Thread(s) per core:', info.threads);
    line('NUMA cell(s):', info.nodes);
    line('Memory size:', `${info.memory} KiB`);
  },
};
