// UEFI guests: OVMF code on pflash unit 0 and a per-domain NVRAM copy on unit 1, chosen (firmware='efi') or named (<loader>, <nvram>).
import { ErrorDomain } from '@virtwire/protocol';
import { childElement, DomainDefinition, element, textOf, type XmlElement } from '@virtwire/protocol/xml';
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConfinementPolicy, PathKind } from '../../storage/confinement-policy.js';
import type { DriverOwnedPath } from '../../storage/definition-paths.js';
import { unsupported } from './xml-shape.js';

/** Debian's `ovmf` package: 4 MiB OVMF code and its variable-store template. */
export const OVMF = { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' } as const;

/** The pflash files of a UEFI guest. */
export interface FirmwareFiles {
  /** Read-only firmware code (pflash unit 0). */
  loader: string;
  /** The domain's own variable store (pflash unit 1). */
  nvram: string;
}

/** True when the definition boots UEFI (`<os firmware='efi'>` or a pflash `<loader>`). */
export function bootsUefi(definition: DomainDefinition): boolean {
  const os = childElement(definition.tree, 'os');
  return os !== undefined && (os.attributes.get('firmware') === 'efi' || childElement(os, 'loader') !== undefined);
}

/** libvirt's checks of `<loader>`/`<nvram>` as far as this driver realises them: pflash, read-only code, NVRAM only with UEFI. */
export function checkFirmware(definition: DomainDefinition): void {
  const os = childElement(definition.tree, 'os');
  const loader = os ? childElement(os, 'loader') : undefined;
  const nvram = os ? childElement(os, 'nvram') : undefined;
  for (const el of [loader, nvram]) if (el && textOf(el).includes(',')) throw unsupported(`firmware path '${textOf(el).trim()}' must not contain commas`);
  if (loader && loader.attributes.get('type') !== 'pflash') throw unsupported("only <loader type='pflash'> is supported by the qemu driver");
  if (loader && loader.attributes.get('readonly') === 'no') throw unsupported("a pflash <loader readonly='no'> is not supported by the qemu driver");
  if (loader && textOf(loader).trim() === '' && os?.attributes.get('firmware') !== 'efi') throw unsupported('<loader> needs a path');
  if (nvram && !bootsUefi(definition)) throw unsupported("<nvram> needs UEFI (<os firmware='efi'> or a pflash <loader>)");
}

/** Where a domain's NVRAM lives when its definition names none (libvirt: `<nvramDir>/<name>_VARS.fd`). */
export function defaultNvramPath(stateDir: string, name: string): string {
  return join(stateDir, 'qemu', 'nvram', `${name}_VARS.fd`);
}

/**
 * qemuDomainDefPostParse: a read-only pflash `<loader>` (virDomainDefHasOldStyleROUEFI) that is not
 * stateless and names no NVRAM file (no `<nvram>`, or only its template) gets the domain's default
 * one at define, as libvirt writes its `<nvramDir>/<name>_VARS.fd` there: the file the guest uses.
 */
export function withDefaultNvram(definition: DomainDefinition, stateDir: string): DomainDefinition {
  const os = childElement(definition.tree, 'os');
  const loader = os ? childElement(os, 'loader') : undefined;
  if (!os || !loader || loader.attributes.get('type') !== 'pflash' || loader.attributes.get('readonly') !== 'yes') return definition;
  if (loader.attributes.get('stateless') === 'yes') return definition;
  const nvram = childElement(os, 'nvram');
  if (nvram && textOf(nvram).trim() !== '') return definition;
  const filled = element('nvram', Object.fromEntries(nvram?.attributes ?? []), [defaultNvramPath(stateDir, definition.name)]);
  const children = nvram ? os.children.map((c) => (c === nvram ? filled : c)) : os.children.flatMap((c) => (c === loader ? [c, filled] : [c]));
  const tree = { ...definition.tree, children: definition.tree.children.map((c) => (c === os ? { ...os, children } : c)) };
  return DomainDefinition.fromTree(tree);
}

/** The NVRAM file a definition's guest uses: the one `<nvram>` names, else its default; nothing when it does not boot UEFI. */
export function nvramPathOf(definition: DomainDefinition, stateDir: string): string | undefined {
  if (!bootsUefi(definition)) return undefined;
  const os = childElement(definition.tree, 'os')!;
  const nvramEl = childElement(os, 'nvram');
  const named = nvramEl ? textOf(nvramEl).trim() : '';
  return named !== '' ? named : defaultNvramPath(stateDir, definition.name);
}

/**
 * The firmware files the driver picks itself: Debian's OVMF code and variable template, and the
 * domain's default NVRAM in the state directory. A definition naming exactly one of them (as every
 * live definition the driver wrote does, and so the `<domain>` of a running guest's snapshot, or a
 * dumped live XML defined again) names what the driver would choose: it is not confined to the
 * storage roots. Any other firmware path is.
 */
export function driverFirmware(stateDir: string): DriverOwnedPath {
  return ({ path, kind }, definition) =>
    (kind === 'loader' && path === OVMF.code) ||
    (kind === 'nvram-template' && path === OVMF.vars) ||
    (kind === 'nvram' && path === defaultNvramPath(stateDir, definition.name));
}

/**
 * Resolves a UEFI guest's firmware before launch and records it in the live definition: the
 * loader (named: confined; chosen: Debian's OVMF), the NVRAM (named: confined; chosen: in the
 * state directory), created 0600 from its template (named: confined; chosen: OVMF's) when missing,
 * or anew with `reset` (VIR_DOMAIN_START_RESET_NVRAM). What the driver would choose is never
 * confined, named or not ({@link driverFirmware}).
 */
export async function prepareFirmware(
  live: DomainDefinition,
  stateDir: string,
  confinement: ConfinementPolicy,
  reset = false,
): Promise<FirmwareFiles | undefined> {
  if (!bootsUefi(live)) return undefined;
  const ours = driverFirmware(stateDir);
  const confined = (path: string, kind: PathKind) => (ours({ path, kind }, live) ? path : confinement.existing(path, kind, ErrorDomain.Qemu).path);
  const os = childElement(live.tree, 'os')!;
  const loaderEl = childElement(os, 'loader');
  const namedLoader = loaderEl ? textOf(loaderEl).trim() : '';
  const loader = namedLoader !== '' ? confined(namedLoader, 'loader') : OVMF.code;
  if (loader === OVMF.code && !existsSync(OVMF.code)) throw unsupported(`UEFI needs Debian's ovmf package (${OVMF.code} is missing)`);
  const nvramEl = childElement(os, 'nvram');
  const namedTemplate = nvramEl?.attributes.get('template');
  const nvram = nvramPathOf(live, stateDir)!;
  const ownNvram = ours({ path: nvram, kind: 'nvram' }, live);
  if (!existsSync(nvram) || reset) {
    const template = namedTemplate ? confined(namedTemplate, 'nvram-template') : loader === OVMF.code ? OVMF.vars : undefined;
    if (template === undefined) throw unsupported(`NVRAM '${nvram}' ${reset ? 'cannot be reset' : 'does not exist'}: <nvram> names no template`);
    if (!ownNvram) confinement.creatable(nvram, 'nvram', ErrorDomain.Qemu);
    await fs.mkdir(dirname(nvram), { recursive: true, mode: 0o700 });
    // a fresh copy appears whole or not at all (START_RESET_NVRAM replaces the old one in one rename)
    const temp = `${nvram}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.copyFile(template, temp, constants.COPYFILE_EXCL);
      await fs.chmod(temp, 0o600);
      await fs.rename(temp, nvram);
    } finally {
      await fs.rm(temp, { force: true });
    }
  } else if (!ownNvram) {
    confinement.existing(nvram, 'nvram', ErrorDomain.Qemu);
  }
  setOsChild(os, 'loader', element('loader', { readonly: 'yes', type: 'pflash' }, [loader]));
  const nvramAttributes: Record<string, string> = {};
  if (namedTemplate ?? (loader === OVMF.code ? OVMF.vars : undefined)) nvramAttributes.template = namedTemplate ?? OVMF.vars;
  setOsChild(os, 'nvram', element('nvram', nvramAttributes, [nvram]));
  return { loader, nvram };
}

/** Puts `el` in place of `<os>`'s child of that name, or after `<type>`. */
function setOsChild(os: XmlElement, name: string, el: XmlElement): void {
  const index = os.children.findIndex((c) => typeof c !== 'string' && c.name === name);
  if (index >= 0) {
    os.children[index] = el;
    return;
  }
  const after = os.children.findIndex((c) => typeof c !== 'string' && c.name === (name === 'nvram' ? 'loader' : 'type'));
  os.children.splice(after + 1, 0, el);
}
