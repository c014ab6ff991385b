// Turns a DomainSpec into the canonical `<domain>` tree: libvirt 9.0's element order, units and attribute order.
import { element, type XmlElement, type XmlNode } from '../xml-tree.js';
import { buildDevice, DEVICE_ORDER, deviceName } from './device-build.js';
import { ordered } from './element-order.js';
import { withoutBlankText } from './device-info.js';
import type { DomainSpec, OsSpec } from './domain-spec.js';

/** Where each kept top-level element goes, relative to the ones the model writes itself. */
const BEFORE_MEMORY = ['genid'];
const AFTER_DESCRIPTION = ['metadata', 'maxMemory'];
const AFTER_CURRENT_MEMORY = ['blkiotune', 'memtune', 'memoryBacking'];
const AFTER_VCPU = ['vcpus', 'iothreads', 'iothreadids', 'defaultiothread', 'cputune', 'numatune', 'resource', 'sysinfo', 'bootloader', 'bootloader_args'];
const AFTER_OS = ['idmap', 'features', 'cpu'];
const AFTER_ACTIONS = ['on_lockfailure', 'pm', 'perf'];
const AFTER_DEVICES = ['seclabel', 'keywrap', 'launchSecurity', 'throttlegroups'];

const OS_BEFORE_BOOT = ['firmware', 'kernel', 'initrd', 'cmdline', 'dtb', 'acpi', 'init', 'initarg', 'initenv', 'initdir', 'inituser', 'initgroup'];
const OS_AFTER_BOOT = ['bootmenu', 'smbios', 'bios'];

const kib = (value: number) => [String(value)];

function kept(spec: DomainSpec, names: readonly string[]): XmlElement[] {
  return names.flatMap((name) => (spec.extra.get(name) ?? []).map((el) => (name === 'metadata' ? el : withoutBlankText(el))));
}

function buildOs(os: OsSpec): XmlElement {
  const children: XmlNode[] = [];
  children.push(element('type', { arch: os.arch, machine: os.machine }, [os.type]));
  children.push(...os.extra.filter((e) => e.name === 'firmware'));
  if (os.loader) {
    const attributes = ordered(os.loader.attributes, ['readonly', 'secure', 'type', 'stateless']);
    children.push(element('loader', attributes, os.loader.path ? [os.loader.path] : []));
  }
  if (os.nvram) children.push(element('nvram', Object.fromEntries(os.nvram.attributes), os.nvram.path ? [os.nvram.path] : (os.nvram.children ?? [])));
  for (const name of OS_BEFORE_BOOT.slice(1)) children.push(...os.extra.filter((e) => e.name === name));
  for (const dev of os.boot) children.push(element('boot', { dev }));
  for (const name of OS_AFTER_BOOT) children.push(...os.extra.filter((e) => e.name === name));
  return element('os', { firmware: os.firmware }, children);
}

/** The canonical `<domain>` tree of a spec (no `id`, every secure attribute present: formatDomain decides). */
export function buildDomainTree(spec: DomainSpec): XmlElement {
  const children: XmlNode[] = [element('name', {}, [spec.name]), element('uuid', {}, [spec.uuid]), ...kept(spec, BEFORE_MEMORY)];
  if (spec.title !== undefined) children.push(element('title', {}, [spec.title]));
  if (spec.description !== undefined) children.push(element('description', {}, [spec.description]));
  children.push(...kept(spec, AFTER_DESCRIPTION));
  children.push(
    element('memory', { dumpCore: spec.dumpCore, unit: 'KiB' }, kib(spec.memoryKiB)),
    element('currentMemory', { unit: 'KiB' }, kib(spec.currentMemoryKiB)),
  );
  children.push(...kept(spec, AFTER_CURRENT_MEMORY));
  const vcpuAttributes = {
    placement: spec.vcpu.placement,
    cpuset: spec.vcpu.cpuset,
    current: spec.vcpu.current === undefined ? undefined : String(spec.vcpu.current),
  };
  children.push(element('vcpu', vcpuAttributes, [String(spec.vcpu.count)]));
  children.push(...kept(spec, AFTER_VCPU), buildOs(spec.os), ...kept(spec, AFTER_OS));
  children.push(element('clock', Object.fromEntries(spec.clock.attributes), spec.clock.children));
  children.push(
    element('on_poweroff', {}, [spec.lifecycle.onPoweroff]),
    element('on_reboot', {}, [spec.lifecycle.onReboot]),
    element('on_crash', {}, [spec.lifecycle.onCrash]),
    ...kept(spec, AFTER_ACTIONS),
  );
  const devices: XmlNode[] = spec.emulator === undefined ? [] : [element('emulator', {}, [spec.emulator])];
  for (const kind of DEVICE_ORDER) {
    for (const device of spec.devices) {
      if (deviceName(device) !== kind) continue;
      const built = buildDevice(device);
      // virXMLFormatElement writes nothing of an element with neither attributes nor children (a default <panic/>).
      if (built.name === 'panic' && built.attributes.size === 0 && built.children.length === 0) continue;
      devices.push(built);
    }
  }
  children.push(element('devices', {}, devices), ...kept(spec, AFTER_DEVICES));
  return element('domain', { type: spec.type }, children);
}
