// define, undefine, start, destroy, suspend, resume and shutdown, with virsh's messages.
import { DomainCreateFlags, DomainDestroyFlags, DomainShutdownFlags, DomainUndefineFlags, ErrorNumber, VirError, type Domain } from '@virtwire/client';
import { type CommandContext, type CommandDefinition, switchOption } from '../shell/command-definition.js';
import type { ParsedOptions } from '../shell/parsed-options.js';
import { CommandError } from '../shell/shell-errors.js';
import { domainArgument, type LookupKinds, domainOption } from './domain-argument.js';
import { readXmlFile } from './read-xml-file.js';

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
  options: [
    { name: 'file', type: 'data', required: true, help: 'file holding the domain XML' },
    switchOption('validate', 'validate the XML against the schema'),
  ],
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

/** Runs `call`; if it fails because the driver does not take `optional` (a non-zero flag bit given), runs `fallback` instead. */
async function retryWithout(call: () => Promise<void>, optional: number, fallback: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    const refused = VirError.is(error) && (error.code === ErrorNumber.NoSupport || error.code === ErrorNumber.InvalidArg);
    if (optional === 0 || !refused) throw error;
    await fallback();
  }
}

/** `undefine DOMAIN [--managed-save] [--snapshots-metadata] [--checkpoints-metadata] [--nvram] [--keep-nvram]`. */
export const undefineCommand: CommandDefinition = {
  name: 'undefine',
  group: 'domain',
  summary: 'undefine a domain',
  description: 'Remove the persistent definition of a domain; a running domain becomes transient.',
  options: [
    domainOption(),
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
    // As virsh: a driver that does not know KEEP_NVRAM has no NVRAM to remove, so it undefines without it.
    const undefine = (d: Domain) =>
      retryWithout(
        () => d.undefine(flags),
        flags & DomainUndefineFlags.KeepNvram,
        () => d.undefine(flags & ~DomainUndefineFlags.KeepNvram),
      );
    await onDomain(context, options, 'undefine', undefine, (name) => `Domain '${name}' has been undefined\n`);
  },
};

/** `start DOMAIN [--paused] [--autodestroy] [--bypass-cache] [--force-boot] [--reset-nvram]`; by name or UUID only, as virsh. */
export const startCommand: CommandDefinition = {
  name: 'start',
  group: 'domain',
  summary: 'start a (previously defined) inactive domain',
  description: 'Start a defined domain that is shut off.',
  options: [
    domainOption('name or uuid of the inactive domain'),
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
      // As virsh: FORCE_BOOT alone falls back to a plain start on a driver without it (there is no managed save to skip).
      await retryWithout(
        () => domain.create(flags),
        flags === DomainCreateFlags.StartForceBoot ? flags : 0,
        () => domain.create(0),
      );
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
  options: [domainOption(), switchOption('graceful', 'terminate gracefully')],
  async run(context, options) {
    const flags = options.has('graceful') ? DomainDestroyFlags.Graceful : 0;
    await onDomain(
      context,
      options,
      'destroy',
      (d) => d.destroy(flags),
      (name) => `Domain '${name}' destroyed\n`,
    );
  },
};

/** `suspend DOMAIN`. */
export const suspendCommand: CommandDefinition = {
  name: 'suspend',
  group: 'domain',
  summary: 'suspend a domain',
  description: 'Pause a running domain.',
  options: [domainOption()],
  run: (context, options) =>
    onDomain(
      context,
      options,
      'suspend',
      (d) => d.suspend(),
      (name) => `Domain '${name}' suspended\n`,
    ),
};

/** `resume DOMAIN`. */
export const resumeCommand: CommandDefinition = {
  name: 'resume',
  group: 'domain',
  summary: 'resume a domain',
  description: 'Resume a paused domain.',
  options: [domainOption()],
  run: (context, options) =>
    onDomain(
      context,
      options,
      'resume',
      (d) => d.resume(),
      (name) => `Domain '${name}' resumed\n`,
    ),
};

/** shutdown's `--mode` words and their flags. */
/** A Map, so that `--mode constructor` finds nothing (a plain object would answer with its prototype's). */
const SHUTDOWN_MODES: ReadonlyMap<string, number> = new Map([
  ['acpi', DomainShutdownFlags.AcpiPowerBtn],
  ['agent', DomainShutdownFlags.GuestAgent],
  ['initctl', DomainShutdownFlags.Initctl],
  ['signal', DomainShutdownFlags.Signal],
  ['paravirt', DomainShutdownFlags.Paravirt],
]);

/** `shutdown DOMAIN [--mode acpi,agent,initctl,signal,paravirt]`. */
export const shutdownCommand: CommandDefinition = {
  name: 'shutdown',
  group: 'domain',
  summary: 'gracefully shutdown a domain',
  description: 'Ask a running domain to shut down.',
  options: [domainOption(), { name: 'mode', type: 'string', help: 'shutdown mode: acpi|agent|initctl|signal|paravirt' }],
  async run(context, options) {
    let flags = 0;
    const mode = options.string('mode');
    for (const word of mode === undefined ? [] : mode.split(',')) {
      const bit = SHUTDOWN_MODES.get(word);
      if (bit === undefined) {
        throw new CommandError(`Unknown mode ${word} value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'`);
      }
      flags |= bit;
    }
    await onDomain(
      context,
      options,
      'shutdown',
      (d) => d.shutdown(flags),
      (name) => `Domain '${name}' is being shutdown\n`,
    );
  },
};

/** `reboot DOMAIN [--mode MODES]`. */
export const rebootCommand: CommandDefinition = {
  name: 'reboot',
  group: 'domain',
  summary: 'reboot a domain',
  description: 'Run a reboot command in the target domain.',
  options: [domainOption(), { name: 'mode', type: 'string', help: 'shutdown mode: acpi|agent|initctl|signal|paravirt' }],
  async run(context, options) {
    let flags = 0;
    const mode = options.string('mode');
    for (const word of mode === undefined ? [] : mode.split(',')) {
      const bit = SHUTDOWN_MODES.get(word);
      if (bit === undefined) {
        throw new CommandError(`Unknown mode ${word} value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'`);
      }
      flags |= bit;
    }
    await onDomain(
      context,
      options,
      'reboot',
      (d) => d.reboot(flags),
      (name) => `Domain '${name}' is being rebooted\n`,
    );
  },
};

/** `reset DOMAIN`. */
export const resetCommand: CommandDefinition = {
  name: 'reset',
  group: 'domain',
  summary: 'reset a domain',
  description: 'Reset the target domain as if by power button',
  options: [domainOption()],
  async run(context, options) {
    await onDomain(
      context,
      options,
      'reset',
      (d) => d.reset(),
      (name) => `Domain '${name}' was reset\n`,
    );
  },
};
