// A new snapshot's copy of its domain as libvirt's QEMU driver makes it: the definition formatted for migration, then parsed again.
import { childElement, childElements, DomainDefinition, formatXml, type DriverDefaults, type XmlElement } from '@virtwire/protocol/xml';
import { randomUUID } from 'node:crypto';
import { isPcMachine } from './domain-config.js';

const userAlias = (el: XmlElement) => childElement(el, 'alias')?.attributes.get('name')?.startsWith('ua-') === true;

/**
 * The controllers qemuDomainDefFormatBufInternal leaves out under VIR_DOMAIN_XML_MIGRATABLE (for
 * libvirt <= 0.9.4): on i440fx, a lone USB controller 0 of the default or piix3-uhci model, and a
 * lone PCI controller that is index 0's pci-root without pcihole64; neither with a user alias.
 */
function compatibleControllers(tree: XmlElement, pc: boolean): XmlElement {
  const devices = childElement(tree, 'devices');
  if (!devices || !pc) return tree;
  const controllers = childElements(devices, 'controller');
  const lone = (type: string) => {
    const found = controllers.filter((c) => c.attributes.get('type') === type);
    return found.length === 1 && (found[0]!.attributes.get('index') ?? '0') === '0' && !userAlias(found[0]!) ? found[0] : undefined;
  };
  const usb = lone('usb');
  const usbModel = usb?.attributes.get('model');
  const pci = lone('pci');
  const dropped = new Set<XmlElement>();
  if (usb && (usbModel === undefined || usbModel === 'piix3-uhci')) dropped.add(usb);
  if (pci && pci.attributes.get('model') === 'pci-root' && !childElement(pci, 'pcihole64')) dropped.add(pci);
  if (dropped.size === 0) return tree;
  const kept: XmlElement = { ...devices, children: devices.children.filter((c) => typeof c === 'string' || !dropped.has(c)) };
  return { ...tree, children: tree.children.map((c) => (c === devices ? kept : c)) };
}

/**
 * qemuSnapshotCreateAlignDisks' copy of the domain (`<domain>` of a new snapshot): the definition
 * formatted inactive and migration-compatible (qemuDomainDefFormatLive), then parsed again with
 * the driver's defaults, so that what the compatible format left out comes back where the parser
 * puts it (after the other controllers). A definition the parser cannot read again is copied as it is.
 */
export function snapshotDomainCopy(definition: DomainDefinition, defaults: DriverDefaults): XmlElement {
  try {
    const xml = formatXml(compatibleControllers(definition.clone().tree, isPcMachine(definition)), 0, new Set(['devices']));
    return DomainDefinition.parse(xml, { defaults, generateUuid: randomUUID }).tree;
  } catch {
    return definition.clone().tree;
  }
}
