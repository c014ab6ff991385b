// The post-parse defaults of libvirt's QEMU driver for this host's QEMU: its emulator path and machine aliases, probed once.
import { qemuDriverDefaults, type DriverDefaults } from '@virtwire/protocol/xml';
import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { delimiter, join } from 'node:path';

/** The emulator path libvirt records (virFindFileInPath: the first executable on PATH, not resolved further). */
export function emulatorPath(binary: string): string {
  if (binary.includes('/')) return binary;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir.startsWith('/')) continue;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return join(dir, binary);
    } catch {
      // next
    }
  }
  return binary;
}

/**
 * The machine aliases of `-machine help` (`pc  ... (alias of pc-i440fx-7.2)`), which libvirt's
 * virQEMUCapsGetCanonicalMachine applies to `<type machine>`. Empty when QEMU cannot be asked.
 */
export function machineAliases(binary: string): Map<string, string> {
  const aliases = new Map<string, string>();
  let text: string;
  try {
    text = execFileSync(binary, ['-machine', 'help'], { encoding: 'utf8', timeout: 20_000, maxBuffer: 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return aliases;
  }
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s.*\(alias of (\S+)\)/.exec(line);
    if (match) aliases.set(match[1]!, match[2]!);
  }
  return aliases;
}

const cache = new Map<string, DriverDefaults>();

/**
 * libvirt's QEMU post-parse defaults (qemuDomainDefPostParse, qemuDomainAssignAddresses) for the
 * daemon's QEMU binary: canonical machine, CPU, implicit controllers, inputs, audio, balloon and PCI
 * addresses, as `virDomainDefineXML` on `qemu:///session` fills them in. Probed once per binary.
 */
export function hostDomainDefaults(qemuBinary: string): DriverDefaults {
  let defaults = cache.get(qemuBinary);
  if (!defaults) {
    defaults = qemuDriverDefaults({ emulator: emulatorPath(qemuBinary), machineAliases: machineAliases(qemuBinary) });
    cache.set(qemuBinary, defaults);
  }
  return defaults;
}
