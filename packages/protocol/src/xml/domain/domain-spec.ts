// The typed domain definition (libvirt's virDomainDef, the parts virtwire's drivers use): what parse gives and format takes.
import type { XmlElement } from '../xml-tree.js';

/** A device address (`<address type=...>`): its type and attributes, kept in libvirt's order by the formatter. */
export interface AddressSpec {
  type: string;
  attributes: Map<string, string>;
  /** Children such as a PCI address's `<zpci>`. */
  children?: XmlElement[];
}

/** `<disk>`. */
export interface DiskSpec {
  kind: 'disk';
  /** `file`, `block`, `network`, `dir`, `volume`, `nvme`, `vhostuser`. */
  type: string;
  /** `disk`, `cdrom`, `floppy`, `lun`. */
  device: string;
  /** `<disk snapshot>`: the disk's default snapshot mode. */
  snapshot?: string;
  /** `<driver>` attributes in document order. */
  driver?: Map<string, string>;
  /** `<source>` attributes; undefined for an empty drive. */
  source?: Map<string, string>;
  /** `<source>` children (hosts, cookies, seclabels...), kept as elements. */
  sourceChildren: XmlElement[];
  /** `<backingStore>`, kept as an element. */
  backingStore?: XmlElement;
  target: { dev: string; bus: string; attributes: Map<string, string> };
  readOnly: boolean;
  shareable: boolean;
  transient: boolean;
  /** `<transient>`'s attributes (shareBacking). */
  transientAttributes?: Map<string, string>;
  /** `<disk>`'s `model`, `rawio` and `sgio`. */
  attributes?: Map<string, string>;
  /** `<driver>`'s children (`<metadata_cache>`). */
  driverChildren?: XmlElement[];
  /** `<boot loadparm>` (s390). */
  bootLoadparm?: string;
  serial?: string;
  /** `<boot order>`. */
  bootOrder?: number;
  /** Children libvirt knows that the model keeps as elements (geometry, blockio, iotune, encryption, ...). */
  extra: XmlElement[];
  /** `<alias name>`: a user alias (`ua-…`), the only kind an inactive definition keeps. */
  alias?: string;
  address?: AddressSpec;
}

/** `<controller>`. */
export interface ControllerSpec {
  kind: 'controller';
  type: string;
  index: number;
  model?: string;
  /** Other attributes (ports, vectors...) and children (model, target, driver). */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** `<alias name>`: a user alias (`ua-…`), the only kind an inactive definition keeps. */
  alias?: string;
  address?: AddressSpec;
}

/** `<interface>`. */
export interface InterfaceSpec {
  kind: 'interface';
  type: string;
  attributes: Map<string, string>;
  mac?: string;
  /** `<mac type>` (generated, static) and `check` (yes, no), when given. */
  macType?: string;
  macCheck?: string;
  source?: Map<string, string>;
  sourceChildren: XmlElement[];
  /** `<target dev>`. */
  targetDev?: string;
  /** `<target managed>`. */
  targetManaged?: string;
  model?: string;
  /** Children kept as elements, in libvirt's order around target and model. */
  beforeTarget: XmlElement[];
  afterModel: XmlElement[];
  bootOrder?: number;
  /** `<boot loadparm>` (s390). */
  bootLoadparm?: string;
  /** `<alias name>`: a user alias (`ua-…`), the only kind an inactive definition keeps. */
  alias?: string;
  address?: AddressSpec;
}

/** `<serial>`, `<parallel>`, `<console>` or `<channel>`. */
export interface CharDeviceSpec {
  kind: 'serial' | 'parallel' | 'console' | 'channel';
  /** `pty`, `file`, `unix`, `tcp`, `spicevmc`, ... */
  type: string;
  source?: Map<string, string>;
  sourceChildren: XmlElement[];
  protocol?: Map<string, string>;
  /** The `<source>` elements (and `<protocol>`) libvirt writes for this device, when the model read them itself. */
  sourceElements?: XmlElement[];
  /** A running console's `tty` (live definitions only). */
  tty?: string;
  /** `<target>` attributes (type, port, name, address...) and children (model). */
  target: Map<string, string>;
  targetChildren: XmlElement[];
  extra: XmlElement[];
  /** `<alias name>`: a user alias (`ua-…`), the only kind an inactive definition keeps. */
  alias?: string;
  address?: AddressSpec;
}

/** `<graphics>`. */
export interface GraphicsSpec {
  kind: 'graphics';
  type: string;
  /** Attributes other than type, in document order; `passwd` is secure (formatted only with VIR_DOMAIN_XML_SECURE). */
  attributes: Map<string, string>;
  listens: Map<string, string>[];
  children: XmlElement[];
}

/** `<video>`. */
export interface VideoSpec {
  kind: 'video';
  model: Map<string, string>;
  modelChildren: XmlElement[];
  extra: XmlElement[];
  /** `<alias name>`: a user alias (`ua-…`), the only kind an inactive definition keeps. */
  alias?: string;
  address?: AddressSpec;
}

/** A device the model keeps as an element (input, sound, audio, memballoon, rng, hostdev, ...): its kind is the element name. */
export interface OtherDeviceSpec {
  kind: 'other';
  element: XmlElement;
}

/** Any device under `<devices>`. */
export type DeviceSpec = DiskSpec | ControllerSpec | InterfaceSpec | CharDeviceSpec | GraphicsSpec | VideoSpec | OtherDeviceSpec;

/** `<os>`. */
export interface OsSpec {
  /** `<os firmware>`: `efi` or `bios`. */
  firmware?: string;
  /** `<type>` text: `hvm`, `xen`, `linux`, `exe`. */
  type: string;
  arch?: string;
  machine?: string;
  /** `<loader>` attributes and path. */
  loader?: { attributes: Map<string, string>; path: string };
  /** `<nvram>` attributes, path, and children (a `<source>` of a file or network NVRAM). */
  nvram?: { attributes: Map<string, string>; path: string; children?: XmlElement[] };
  /** `<boot dev>` in order. */
  boot: string[];
  /** Other `<os>` children (kernel, initrd, cmdline, bootmenu, smbios, bios, firmware features), kept as elements. */
  extra: XmlElement[];
}

/** The lifecycle actions (`<on_poweroff>` ...). */
export interface LifecycleSpec {
  onPoweroff: string;
  onReboot: string;
  onCrash: string;
}

/** A domain definition, after parsing and the driver's defaults. */
export interface DomainSpec {
  /** `<domain type>`: `test`, `qemu`, `kvm`. */
  type: string;
  name: string;
  uuid: string;
  title?: string;
  description?: string;
  /** `<memory>` in KiB. */
  memoryKiB: number;
  /** `<memory dumpCore>`: `on` or `off`. */
  dumpCore?: string;
  /** `<currentMemory>` in KiB. */
  currentMemoryKiB: number;
  vcpu: { count: number; placement: string; current?: number; cpuset?: string };
  os: OsSpec;
  /** `<clock>` attributes and children (timers). */
  clock: { attributes: Map<string, string>; children: XmlElement[] };
  lifecycle: LifecycleSpec;
  /** `<devices><emulator>`. */
  emulator?: string;
  devices: DeviceSpec[];
  /** Top-level elements libvirt knows that the model keeps as elements, by name (metadata, features, cpu, pm, seclabel, ...). */
  extra: Map<string, XmlElement[]>;
}
