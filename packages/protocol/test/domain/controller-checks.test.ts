// Controllers checked as libvirt 9.0's test driver checks them at define time (virDomainControllerDefParseXML and virDomainControllerDefValidate; errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const ROOT = "<controller type='pci' index='0' model='pcie-root'/>";
const port = (target: string, model = 'pcie-root-port', index = '1') =>
  `${ROOT}<controller type='pci' index='${index}' model='${model}'>${target}</controller>`;

describe('controllers', () => {
  it.each([
    [
      'a PCI root with an address',
      "<controller type='pci' index='0' model='pci-root'><address type='pci' slot='1'/></controller>",
      [67, 20, 'unsupported configuration: pci-root and pcie-root controllers should not have an address'],
    ],
    [
      'a target index past 30',
      port("<target index='31'/>", 'pci-root'),
      [67, 20, "unsupported configuration: PCI controller target index '31' out of range - must be 0-30"],
    ],
    [
      'target index 0 on another controller than 0',
      port("<target index='0'/>", 'pci-root'),
      [67, 20, 'unsupported configuration: Only the PCI controller with index 0 can have target index 0, and vice versa'],
    ],
    [
      'a negative target index',
      "<controller type='pci' index='0' model='pci-root'><target index='-2'/></controller>",
      [27, 5, "XML error: Invalid value for attribute 'index' in element 'target': '-2'. Expected non-negative value"],
    ],
    ['chassisNr 0', port("<target chassisNr='0'/>"), [67, 20, "unsupported configuration: PCI controller chassisNr '0' out of range - must be 1-255"]],
    ['chassis 256', port("<target chassis='256'/>"), [67, 20, "unsupported configuration: PCI controller chassis '256' out of range - must be 0-255"]],
    ['port 0x100', port("<target port='0x100'/>"), [67, 20, "unsupported configuration: PCI controller port '256' out of range - must be 0-255"]],
    [
      'busNr 255',
      port("<target busNr='255'/>", 'pcie-expander-bus'),
      [67, 20, "unsupported configuration: PCI controller busNr '255' out of range - must be 1-254"],
    ],
    [
      'a NUMA node on PCI controller 0',
      "<controller type='pci' index='0' model='pci-root'><target><node>1</node></target></controller>",
      [67, 20, "unsupported configuration: The PCI controller with index=0 can't be associated with a NUMA node"],
    ],
    ['a NUMA node that is not a number', port('<target><node>x</node></target>', 'pcie-expander-bus'), [27, 20, 'XML error: invalid NUMA node in target']],
    [
      'a PCI controller index past 255',
      `${ROOT}<controller type='pci' index='256' model='pcie-root-port'/>`,
      [67, 20, 'unsupported configuration: PCI controller index 256 too high, maximum is 255'],
    ],
    [
      'two targets',
      "<controller type='scsi' index='0'><target/><target/></controller>",
      [27, 20, 'XML error: Multiple <target> elements in controller definition not allowed'],
    ],
    [
      'negative ports',
      "<controller type='virtio-serial' index='0' ports='-1'/>",
      [27, 5, "XML error: Invalid value for attribute 'ports' in element 'controller': '-1'. Expected non-negative value"],
    ],
    [
      'hotplug neither on nor off',
      port("<target hotplug='maybe'/>"),
      [27, 5, "XML error: Invalid value for attribute 'hotplug' in element 'target': 'maybe'."],
    ],
    [
      'a USB model on a virtio-serial controller',
      "<controller type='virtio-serial' model='piix3-uhci'/>",
      [67, 20, "unsupported configuration: Unknown model type 'piix3-uhci'"],
    ],
    ['a USB model on a SCSI controller', "<controller type='scsi' model='qemu-xhci'/>", [67, 20, "unsupported configuration: Unknown model type 'qemu-xhci'"]],
    ['any model on a SATA controller', "<controller type='sata' model='ehci'/>", [67, 20, "unsupported configuration: Unknown model type 'ehci'"]],
    ['any model on an ISA controller', "<controller type='isa' model='virtio'/>", [67, 20, "unsupported configuration: Unknown model type 'virtio'"]],
    [
      'an unknown model before a bad index',
      "<controller type='usb' index='x' model='bogus'/>",
      [67, 20, "unsupported configuration: Unknown model type 'bogus'"],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it.each([
    ["<controller type='usb' model='qemu-xhci'/>"],
    ["<controller type='virtio-serial' model='virtio-non-transitional'/>"],
    ["<controller type='ide' model='ich6'/>"],
    ["<controller type='scsi' model='am53c974'/>"],
  ])('accepts a model of its type: %s', (devices) => {
    expect(defineError(domain(devices))).toBe('ok');
  });

  it('ignores the address of a model=none USB controller, as libvirt does', () => {
    const xml = formattedDomain(domain("<controller type='usb' model='none'><address type='pci' slot='40'/></controller>"));
    expect(xml).toContain("<controller type='usb' index='0' model='none'/>");
  });
});
