// Controllers checked as libvirt 9.0 checks them: the numbers virDomainControllerDefParseXML reads, and virDomainControllerDefValidate's PCI rules.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, textOf, type XmlElement } from '../xml-tree.js';
import type { ControllerSpec } from './domain-spec.js';
import { enumAttribute } from './xml-enum.js';
import { cStrToInteger, propNonNegativeInt } from './xml-prop.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** A PCI controller's `<target>` numbers (virDomainPCIControllerOpts; -1: not given). */
interface PciTarget {
  chassisNr: number;
  chassis: number;
  port: number;
  busNr: number;
  index: number;
  numaNode: number;
}

const ON_OFF: ReadonlySet<string> = new Set(['on', 'off']);

/**
 * The models each controller type may name (virDomainControllerModel{PCI,SCSI,USB,IDE,VirtioSerial,ISA});
 * an ISA controller's list is empty and the other types have none (virDomainControllerModelTypeFromString).
 */
const CONTROLLER_MODELS = new Map<string, ReadonlySet<string>>([
  [
    'pci',
    new Set([
      'pci-root',
      'pcie-root',
      'pci-bridge',
      'dmi-to-pci-bridge',
      'pcie-to-pci-bridge',
      'pcie-root-port',
      'pcie-switch-upstream-port',
      'pcie-switch-downstream-port',
      'pci-expander-bus',
      'pcie-expander-bus',
    ]),
  ],
  [
    'scsi',
    new Set([
      'auto',
      'buslogic',
      'lsilogic',
      'lsisas1068',
      'vmpvscsi',
      'ibmvscsi',
      'virtio-scsi',
      'lsisas1078',
      'virtio-transitional',
      'virtio-non-transitional',
      'ncr53c90',
      'dc390',
      'am53c974',
    ]),
  ],
  [
    'usb',
    new Set([
      'piix3-uhci',
      'piix4-uhci',
      'ehci',
      'ich9-ehci1',
      'ich9-uhci1',
      'ich9-uhci2',
      'ich9-uhci3',
      'vt82c686b-uhci',
      'pci-ohci',
      'nec-xhci',
      'qusb1',
      'qusb2',
      'qemu-xhci',
      'none',
    ]),
  ],
  ['ide', new Set(['piix3', 'piix4', 'ich6'])],
  ['virtio-serial', new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional'])],
]);

/**
 * virDomainControllerDefParseXML's model check, right after the type: a model that is not one of
 * the type's models is VIR_ERR_CONFIG_UNSUPPORTED "Unknown model type '…'".
 */
export function checkControllerModel(type: string, model: string | undefined): void {
  if (model === undefined) return;
  if (!CONTROLLER_MODELS.get(type)?.has(model)) throw unsupported(`Unknown model type '${model}'`);
}

/** virXPathInt on `./target/node`: -1 when absent or empty, else the number (refused when not one or negative). */
function numaNodeOf(el: XmlElement): number {
  const node = childElements(el, 'target').flatMap((t) => childElements(t, 'node'))[0];
  const text = node ? textOf(node) : '';
  if (text === '') return -1;
  const n = cStrToInteger(text, 10);
  if (!n || n.value > 0x7fffffffn || n.negative) throw xmlError('invalid NUMA node in target');
  return Number(n.value);
}

/**
 * virDomainControllerDefParseXML's numbers: one `<target>` at most; a PCI controller's chassisNr,
 * chassis, port, busNr and index (non-negative, any C base) and hotplug; `ports` and `vectors`.
 */
export function parsePciTarget(el: XmlElement, type: string): PciTarget {
  const targets = childElements(el, 'target');
  if (targets.length > 1) throw xmlError('Multiple <target> elements in controller definition not allowed');
  const out: PciTarget = { chassisNr: -1, chassis: -1, port: -1, busNr: -1, index: -1, numaNode: -1 };
  const target = targets[0];
  if (target && type === 'pci') {
    out.chassisNr = propNonNegativeInt(target, 'chassisNr', 0) ?? -1;
    out.chassis = propNonNegativeInt(target, 'chassis', 0) ?? -1;
    out.port = propNonNegativeInt(target, 'port', 0) ?? -1;
    out.busNr = propNonNegativeInt(target, 'busNr', 0) ?? -1;
    enumAttribute(target, 'hotplug', ON_OFF);
    out.index = propNonNegativeInt(target, 'index', 0) ?? -1;
  }
  out.numaNode = numaNodeOf(el);
  return out;
}

/** The numeric attributes on `<controller>` itself (after its address): `ports`, and a virtio-serial controller's `vectors`. */
export function checkControllerCounts(el: XmlElement, type: string): void {
  propNonNegativeInt(el, 'ports', 10);
  if (type === 'virtio-serial') propNonNegativeInt(el, 'vectors', 10);
}

/** virDomainControllerDefValidate: a PCI root has no address, and each PCI number is in its range. */
export function validatePciController(controller: ControllerSpec, target: PciTarget): void {
  if (controller.type !== 'pci') return;
  if ((controller.model === 'pci-root' || controller.model === 'pcie-root') && controller.address) {
    throw unsupported('pci-root and pcie-root controllers should not have an address');
  }
  if (controller.index > 255) throw unsupported(`PCI controller index ${controller.index} too high, maximum is 255`);
  if (target.index !== -1) {
    if (target.index > 30) throw unsupported(`PCI controller target index '${target.index}' out of range - must be 0-30`);
    if ((controller.index === 0) !== (target.index === 0)) {
      throw unsupported('Only the PCI controller with index 0 can have target index 0, and vice versa');
    }
  }
  if (target.chassisNr !== -1 && (target.chassisNr < 1 || target.chassisNr > 255)) {
    throw unsupported(`PCI controller chassisNr '${target.chassisNr}' out of range - must be 1-255`);
  }
  if (target.chassis > 255) throw unsupported(`PCI controller chassis '${target.chassis}' out of range - must be 0-255`);
  if (target.port > 255) throw unsupported(`PCI controller port '${target.port}' out of range - must be 0-255`);
  if (target.busNr !== -1 && (target.busNr < 1 || target.busNr > 254)) {
    throw unsupported(`PCI controller busNr '${target.busNr}' out of range - must be 1-254`);
  }
  if (target.numaNode >= 0 && controller.index === 0) throw unsupported("The PCI controller with index=0 can't be associated with a NUMA node");
}

/** Re-reads a controller's `<target>` from its kept children (for the validation after defaults). */
export function pciTargetOf(controller: ControllerSpec): PciTarget {
  const el: XmlElement = { name: 'controller', attributes: new Map(), children: controller.children };
  return parsePciTarget(el, controller.type);
}
