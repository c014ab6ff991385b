// define, undefine, start, destroy, suspend, resume and shutdown, with virsh's messages.
import {
  DomainCreateFlags,
  DomainDestroyFlags,
  DomainShutdownFlags,
  DomainUndefineFlags,
  ownValue,
  type Domain,
} from '@virtwire/client';
import { type CommandContext, type CommandDefinition, type OptionDefinition, switchOption } from '../shell/command-definition.js';
import type { ParsedOptions } from '../shell/parsed-options.js';
import { CommandError } from '../shell/shell-errors.js';
import { domainArgument, type LookupKinds } from './domain-argument.js';
import { readXmlFile } from './read-xml-file.js';

const DOMAIN_OPTION: OptionDefinition = { name: 'domain', type: 'data', required: true, help: 'domain name, id or uuid' };

/** Runs `action` on the named domain; on failure prints virsh's `Failed to VERB domain 'NAME'` before the daemon's error. */
async function onDomain(
  context: CommandContext,
  options: ParsedOptions,
  verb: string,
  action: (domain: Domain) => Promise<void>,
  done: (given: string) => string,
  kinds?: LookupKinds,
): Promise<void> {
  const { domain, given } = await domainArgument(context.connection, options, kinds);
  try {
    await action(domain);
  } catch (error) {
    context.out.error(`Failed to ${verb} domain '${given}'`);
    throw error;
  }
  context.out.printExtra(done(given));
}

/** `define FILE [--validate]`. */
export const defineCommand: CommandDefinition = {
  name: 'define',
  group: 'domain',
  summary: "define (but don't start) a domain from an XML file",
  description: 'Define a persistent domain from an XML file; an existing definition is replaced.',
  options: [{ name: 'file', type: 'data', required: true, help: 'file holding the domain XML' }, switchOption('validate', 'validate the XML against the schema')],
  async run({ connection, out }, options) {
    const file = options.required('file');
    const xml = readXmlFile(file);
    let domain: Domain;
    try {
      domain = await connection.domainDefineXML(xml, options.has('validate') ? 1 : 0);
    } catch (error) {
      out.error(`Failed to define domain from ${file}`);
      throw error;
    }
    out.printExtra(`Domain '${domain.name}' defined from ${file}\n`);
  },
};

/** `undefine DOMAIN [--managed-save] [--snapshots-metadata] [--checkpoints-metadata] [--nvram] [--keep-nvram]`. */
export const undefineCommand: CommandDefinition = {
  name: 'undefine',
  group: 'domain',
  summary: 'undefine a domain',
  description: 'Remove the persistent definition of a domain; a running domain becomes transient.',
  options: [
    DOMAIN_OPTION,
    switchOption('managed-save', 'remove the managed save image too'),
    switchOption('snapshots-metadata', 'remove the snapshot metadata too'),
    switchOption('checkpoints-metadata', 'remove the checkpoint metadata too'),
    switchOption('nvram', 'remove the NVRAM file too'),
    switchOption('keep-nvram', 'keep the NVRAM file'),
  ],
  async run(context, options) {
    const flags = options.flags({
      'managed-save': DomainUndefineFlags.ManagedSave,
      'snapshots-metadata': DomainUndefineFlags.SnapshotsMetadata,
      'checkpoints-metadata': DomainUndefineFlags.CheckpointsMetadata,
      nvram: DomainUndefineFlags.Nvram,
      'keep-nvram': DomainUndefineFlags.KeepNvram,
    });
    await onDomain(context, options, 'undefine', (d) => d.undefine(flags), (name) => `Domain '${name}' has been undefined\n`);
  },
};

/** `start DOMAIN [--paused] [--autodestroy] [--bypass-cache] [--force-boot] [--reset-nvram]`; by name or UUID only, as virsh. */
export const startCommand: CommandDefinition = {
  name: 'start',
  group: 'domain',
  summary: 'start a (previously defined) inactive domain',
  description: 'Start a defined domain that is shut off.',
  options: [
    { name: 'domain', type: 'data', required: true, help: 'name or uuid of the inactive domain' },
    switchOption('paused', 'leave the guest paused after starting'),
    switchOption('autodestroy', 'destroy the guest when vwsh disconnects'),
    switchOption('bypass-cache', 'avoid the file system cache when restoring'),
    switchOption('force-boot', 'boot even when a managed save image exists'),
    switchOption('reset-nvram', 're-initialize NVRAM from its template'),
  ],
  async run(context, options) {
    const flags = options.flags({
      paused: DomainCreateFlags.StartPaused,
      autodestroy: DomainCreateFlags.StartAutodestroy,
      'bypass-cache': DomainCreateFlags.StartBypassCache,
      'force-boot': DomainCreateFlags.StartForceBoot,
      'reset-nvram': DomainCreateFlags.StartResetNvram,
    });
    const { domain, given } = await domainArgument(context.connection, options, { byName: true, byUuid: true });
    if (domain.id !== -1) throw new CommandError('Domain is already active');
    try {
      await domain.create(flags);
    } catch (error) {
      context.out.error(`Failed to start domain '${given}'`);
      throw error;
    }
    context.out.printExtra(`Domain '${given}' started\n`);
  },
};

/** `destroy DOMAIN [--graceful]`. */
export const destroyCommand: CommandDefinition = {
  name: 'destroy',
  group: 'domain',
  summary: 'destroy (stop) a domain',
  description: 'Stop a domain at once, like pulling its power cord.',
  options: [DOMAIN_OPTION, switchOption('graceful', 'terminate gracefully')],
  async run(context, options) {
    const flags = options.has('graceful') ? DomainDestroyFlags.Graceful : 0;
    await onDomain(context, options, 'destroy', (d) => d.destroy(flags), (name) => `Domain '${name}' destroyed\n`);
  },
};

/** `suspend DOMAIN`. */
export const suspendCommand: CommandDefinition = {
  name: 'suspend',
  group: 'domain',
  summary: 'suspend a domain',
  description: 'Pause a running domain.',
  options: [DOMAIN_OPTION],
  run: (context, options) => onDomain(context, options, 'suspend', (d) => d.suspend(), (name) => `Domain '${name}' suspended\n`),
};

/** `resume DOMAIN`. */
export const resumeCommand: CommandDefinition = {
  name: 'resume',
  group: 'domain',
  summary: 'resume a domain',
  description: 'Resume a paused domain.',
  options: [DOMAIN_OPTION],
  run: (context, options) => onDomain(context, options, 'resume', (d) => d.resume(), (name) => `Domain '${name}' resumed\n`),
};

/** shutdown's `--mode` words and their flags. */
const SHUTDOWN_MODES: Readonly<Record<string, number>> = {
  acpi: DomainShutdownFlags.AcpiPowerBtn,
  agent: DomainShutdownFlags.GuestAgent,
  initctl: DomainShutdownFlags.Initctl,
  signal: DomainShutdownFlags.Signal,
  paravirt: DomainShutdownFlags.Paravirt,
};

/** `shutdown DOMAIN [--mode acpi,agent,initctl,signal,paravirt]`. */
export const shutdownCommand: CommandDefinition = {
  name: 'shutdown',
  group: 'domain',
  summary: 'gracefully shutdown a domain',
  description: 'Ask a running domain to shut down.',
  options: [DOMAIN_OPTION, { name: 'mode', type: 'string', help: 'shutdown mode: acpi|agent|initctl|signal|paravirt' }],
  async run(context, options) {
    let flags = 0;
    const mode = options.string('mode');
    for (const word of mode === undefined ? [] : mode.split(',')) {
      const bit = ownValue(SHUTDOWN_MODES, word);
      if (bit === undefined) {
        throw new CommandError(`Unknown mode ${word} value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'`);
      }
      flags |= bit;
    }
    await onDomain(context, options, 'shutdown', (d) => d.shutdown(flags), (name) => `Domain '${name}' is being shutdown\n`);
  },
};
