// The controllers libvirt adds for the devices that need them (virDomainDefAddImplicitControllers), and a smartcard's CCID slot.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { MAX_IMPLIED_CONTROLLERS } from '../xml-limits.js';
import { childElements, element, type XmlElement } from '../xml-tree.js';
import type { AddressSpec, ControllerSpec, DeviceSpec, DomainSpec } from './domain-spec.js';

/** virDomainDefMaybeAddController: a controller of `type` with `index` (and `model`), unless one exists, after all the others (libvirt appends it). */
function maybeAddController(spec: DomainSpec, type: string, index: number, model?: string): void {
  if (spec.devices.some((d) => d.kind === 'controller' && d.type === type && d.index === index)) return;
  const controller: ControllerSpec = { kind: 'controller', type, index, attributes: new Map(), children: [] };
  if (model !== undefined) controller.model = model;
  const last = spec.devices.map((d) => d.kind).lastIndexOf('controller');
  spec.devices.splice(last === -1 ? spec.devices.length : last + 1, 0, controller);
}

const integer = (value: string | undefined) => {
  const n = Number(value ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
};

/** Controllers of `type` (and `model`) with every index 0..max (a device names `max`), within {@link MAX_IMPLIED_CONTROLLERS}. */
function addControllersUpTo(spec: DomainSpec, type: string, max: number, model?: string): void {
  if (max >= MAX_IMPLIED_CONTROLLERS) {
    throw VirError.report(
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Domain,
      `a drive address names ${type} controller ${max}, beyond the ${MAX_IMPLIED_CONTROLLERS} controllers a definition may imply`,
    );
  }
  for (let i = 0; i <= max; i++) maybeAddController(spec, type, i, model);
}

/** Every controller index 0..max that a drive address of `bus` names, for controllers of `type`. */
function diskControllers(spec: DomainSpec, type: string, bus: string): void {
  let max = -1;
  for (const d of spec.devices) {
    if (d.kind === 'disk' && d.target.bus === bus && d.address?.type === 'drive') max = Math.max(max, integer(d.address.attributes.get('controller')));
  }
  addControllersUpTo(spec, type, max);
}

/** The `<address>` of a kept device element. */
function keptAddress(el: XmlElement): XmlElement | undefined {
  return childElements(el, 'address')[0];
}

/**
 * libvirt's virDomainDefAddImplicitControllers, in its order: SCSI, FDC, IDE and SATA controllers
 * up to the highest a disk's drive address names; a virtio-serial controller for each virtio
 * channel and console; a CCID controller for each smartcard (giving one without an address the
 * next slot of controller 0); SCSI controllers up to the highest a SCSI host device names (of its
 * controller's model).
 */
export function addImplicitControllers(spec: DomainSpec): void {
  for (const [type, bus] of [
    ['scsi', 'scsi'],
    ['fdc', 'fdc'],
    ['ide', 'ide'],
    ['sata', 'sata'],
  ] as const) {
    diskControllers(spec, type, bus);
  }
  for (const kind of ['channel', 'console'] as const) {
    for (const d of spec.devices) {
      if (d.kind !== kind || d.target.get('type') !== 'virtio') continue;
      maybeAddController(spec, 'virtio-serial', d.address?.type === 'virtio-serial' ? integer(d.address.attributes.get('controller')) : 0);
    }
  }
  smartcards(spec);
  hostdevScsiControllers(spec);
}

/**
 * virDomainDefMaybeAddHostdevSCSIcontroller: SCSI controllers up to the highest a SCSI host device
 * names, of the model of the controller that device sits on when it has one (so that a full
 * controller's overflow gets the same model).
 */
function hostdevScsiControllers(spec: DomainSpec): void {
  let maxScsi = -1;
  let model: string | undefined;
  for (const d of spec.devices) {
    if (!isKept(d, 'hostdev') || d.element.attributes.get('mode') !== 'subsystem' || d.element.attributes.get('type') !== 'scsi') continue;
    const address = keptAddress(d.element);
    if (address?.attributes.get('type') !== 'drive') continue;
    const controller = integer(address.attributes.get('controller'));
    if (controller <= maxScsi) continue;
    maxScsi = controller;
    const found = spec.devices.find((c) => c.kind === 'controller' && c.type === 'scsi' && c.index === controller);
    if (found?.kind === 'controller' && found.model !== undefined) model = found.model;
  }
  addControllersUpTo(spec, 'scsi', maxScsi, model);
}

const isKept = (d: DeviceSpec, name: string): d is { kind: 'other'; element: XmlElement } => d.kind === 'other' && d.element.name === name;

/** virDomainDefMaybeAddSmartcardController. */
function smartcards(spec: DomainSpec): void {
  const cards = spec.devices.filter((d): d is { kind: 'other'; element: XmlElement } => isKept(d, 'smartcard'));
  const ccid = (el: XmlElement): AddressSpec | undefined => {
    const address = keptAddress(el);
    if (address?.attributes.get('type') !== 'ccid') return undefined;
    return { type: 'ccid', attributes: address.attributes };
  };
  for (const card of cards) {
    let index = 0;
    const address = ccid(card.element);
    if (address) index = integer(address.attributes.get('controller'));
    else if (!keptAddress(card.element)) {
      let max = -1;
      for (const other of cards) {
        const a = ccid(other.element);
        if (a && integer(a.attributes.get('controller')) === 0) max = Math.max(max, integer(a.attributes.get('slot')));
      }
      card.element = { ...card.element, children: [...card.element.children, element('address', { type: 'ccid', controller: '0', slot: String(max + 1) })] };
    }
    maybeAddController(spec, 'ccid', index);
  }
}
