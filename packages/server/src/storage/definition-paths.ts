// Every host path a domain definition names, with its kind, so a definition is confined in one call at define time.
import { childElement, childElements, DomainDefinition, isLocalSnapshotDisk, textOf, type SnapshotDef, type XmlElement } from '@virtwire/protocol/xml';
import type { ConfinementPolicy, PathKind } from './confinement-policy.js';

/** One path a definition names, and where. */
export interface NamedPath {
  path: string;
  kind: PathKind;
}

/** Character devices whose source is a host file or unix socket (`<serial type='file'><source path='…'/>`). */
const CHARDEV_ELEMENTS = ['serial', 'parallel', 'console', 'channel'];

/** The `<source file|dev>` of a disk and each image of its declared `<backingStore>` chain. */
function diskPaths(disk: XmlElement): NamedPath[] {
  const device = disk.attributes.get('device') ?? 'disk';
  const kind: PathKind = device === 'cdrom' || device === 'floppy' ? 'cdrom' : 'disk';
  const paths: NamedPath[] = [];
  const sourcePath = (el: XmlElement) => {
    const source = childElement(el, 'source');
    return source?.attributes.get('file') ?? source?.attributes.get('dev');
  };
  const top = sourcePath(disk);
  if (top) paths.push({ path: top, kind });
  for (let store = childElement(disk, 'backingStore'); store !== undefined; store = childElement(store, 'backingStore')) {
    const path = sourcePath(store);
    if (path) paths.push({ path, kind: 'backing' });
  }
  return paths;
}

/** The boot files of `<os>`: kernel, initrd, dtb, loader, nvram and its template. */
function bootPaths(os: XmlElement | undefined): NamedPath[] {
  if (!os) return [];
  const paths: NamedPath[] = [];
  const text = (name: string, kind: PathKind) => {
    for (const el of childElements(os, name)) {
      const path = textOf(el).trim();
      if (path !== '') paths.push({ path, kind });
    }
  };
  text('kernel', 'kernel');
  text('initrd', 'initrd');
  text('dtb', 'dtb');
  text('loader', 'loader');
  text('nvram', 'nvram');
  for (const nvram of childElements(os, 'nvram')) {
    const template = nvram.attributes.get('template');
    if (template) paths.push({ path: template, kind: 'nvram-template' });
  }
  return paths;
}

/** Every host path `definition` names: disks and their backing chains, boot files, file-backed character devices, VNC sockets. */
export function definitionPaths(definition: DomainDefinition): NamedPath[] {
  const paths = [...definition.diskElements().flatMap(diskPaths), ...bootPaths(childElement(definition.tree, 'os'))];
  const devices = childElement(definition.tree, 'devices');
  for (const name of CHARDEV_ELEMENTS) {
    for (const device of devices ? childElements(devices, name) : []) {
      const type = device.attributes.get('type');
      const path = childElement(device, 'source')?.attributes.get('path');
      if ((type === 'file' || type === 'unix') && path) paths.push({ path, kind: 'chardev' });
    }
  }
  for (const graphics of devices ? childElements(devices, 'graphics') : []) {
    const sockets = [graphics.attributes.get('socket'), ...childElements(graphics, 'listen').map((l) => l.attributes.get('socket'))];
    for (const path of new Set(sockets)) if (path) paths.push({ path, kind: 'chardev' });
  }
  return paths;
}

/**
 * A path the driver provides itself (its firmware, its own files): a definition naming exactly it
 * is not confined, since the driver would pick that file anyway.
 */
export type DriverOwnedPath = (named: NamedPath, definition: DomainDefinition) => boolean;

/**
 * Checks every path a definition names against the policy (by name: nothing is opened at define
 * time), except the driver's own. `recordedOnly`: the driver never opens them (see ConfinementPolicy.named).
 */
export function confineDefinition(
  definition: DomainDefinition,
  policy: ConfinementPolicy,
  errorDomain: number,
  driverOwned?: DriverOwnedPath,
  recordedOnly = false,
): void {
  for (const named of definitionPaths(definition)) if (!driverOwned?.(named, definition)) policy.named(named.path, named.kind, errorDomain, recordedOnly);
}

/**
 * Checks every host path a snapshot definition names (REDEFINE installs them as they are, and a
 * later revert or delete opens them): its disks' images, its memory file, and its `<domain>`'s.
 */
export function confineSnapshotDefinition(def: SnapshotDef, policy: ConfinementPolicy, errorDomain: number, driverOwned?: DriverOwnedPath): void {
  for (const disk of [...def.disks, ...(def.revertDisks ?? [])]) {
    if (disk.source !== undefined && isLocalSnapshotDisk(disk)) policy.named(disk.source, 'overlay', errorDomain);
  }
  if (def.memory?.file !== undefined) policy.named(def.memory.file, 'memory', errorDomain);
  for (const tree of [def.domain, def.inactiveDomain]) {
    if (tree?.attributes.has('type')) confineDefinition(DomainDefinition.fromTree(tree), policy, errorDomain, driverOwned);
  }
}
