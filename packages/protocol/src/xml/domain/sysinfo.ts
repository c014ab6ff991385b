// `<sysinfo>` as libvirt 9.0 reads and writes it (virSysinfoParseXML, virSysinfoFormat): its type, SMBIOS's sections and known entries, the BIOS date and system UUID checked, fw_cfg's entries; and libvirt's lax UUID reading (virUUIDParse).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, textOf, type XmlElement } from '../xml-tree.js';
import { sanitizePath } from './sanitize-path.js';
import { enumAttribute } from './xml-enum.js';

const detail = (message: string) => VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** virSysinfoType. */
const SYSINFO_TYPES: ReadonlySet<string> = new Set(['smbios', 'fwcfg']);

/**
 * virUUIDParse, then virUUIDFormat: 32 hexadecimal digits in pairs, `-` and blanks allowed between
 * the pairs and blanks around them, written lower-case in 8-4-4-4-12 form; undefined otherwise.
 */
export function parseUuidText(text: string): string | undefined {
  const body = text.replace(/^[ \t\n\v\f\r]+/, '').replace(/[ \t\n\v\f\r]+$/, '');
  const m = /^(?:[- ]*[0-9a-f]{2}){16}$/i.exec(body);
  if (!m) return undefined;
  const hex = body.replace(/[- ]/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** XPath's `string(entry[@name='…'])` as virXPathString gives it: the first such entry's text, undefined when empty. */
function entry(parent: XmlElement, name: string): string | undefined {
  const el = childElements(parent, 'entry').find((e) => e.attributes.get('name') === name);
  const text = el && textOf(el);
  return text === '' ? undefined : text;
}

/** virStrToLong_i with base 10 on a prefix of `text`: the number and what follows it, undefined without digits or past int. */
function leadingInt(text: string): { value: number; rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  if (value > 0x7fffffff || value < -0x80000000) return undefined;
  return { value, rest: text.slice(m[0].length) };
}

/** virSysinfoBIOSParseXML's check of `date`: mm/dd/yy or mm/dd/yyyy (a four-digit year from 1900). */
function checkBiosDate(date: string): void {
  const month = leadingInt(date);
  const day = month?.rest.startsWith('/') ? leadingInt(month.rest.slice(1)) : undefined;
  const year = day?.rest.startsWith('/') ? leadingInt(day.rest.slice(1)) : undefined;
  const valid =
    month !== undefined &&
    day !== undefined &&
    year !== undefined &&
    year.rest === '' &&
    month.value >= 1 &&
    month.value <= 12 &&
    day.value >= 1 &&
    day.value <= 31 &&
    year.value >= 0 &&
    (year.value < 100 || year.value >= 1900);
  if (!valid) throw detail("Invalid BIOS 'date' format");
}

/** The SMBIOS sections a domain's `<sysinfo>` keeps, and the entries each keeps, in virSysinfoFormatSMBIOS's order. */
const SECTIONS: readonly (readonly [string, readonly string[]])[] = [
  ['bios', ['vendor', 'version', 'date', 'release']],
  ['system', ['manufacturer', 'product', 'version', 'serial', 'uuid', 'sku', 'family']],
  ['baseBoard', ['manufacturer', 'product', 'version', 'serial', 'asset', 'location']],
  ['chassis', ['manufacturer', 'version', 'serial', 'asset', 'sku']],
];

/** One SMBIOS section as virSysinfo*Format writes it: its known entries that have a value, undefined with none. */
function section(el: XmlElement, names: readonly string[], normalised: ReadonlyMap<string, string> = new Map()): XmlElement | undefined {
  const entries = names.flatMap((name) => {
    const value = normalised.get(name) ?? entry(el, name);
    return value === undefined ? [] : [element('entry', { name }, [value])];
  });
  return entries.length > 0 ? element(el.name, {}, entries) : undefined;
}

/** virSysinfoParseFWCfgDef and virSysinfoFormatFWCfg: every entry has a name, and a file (sanitised) or a value. */
function fwCfgEntries(sysinfo: XmlElement): XmlElement[] {
  return childElements(sysinfo, 'entry').map((el) => {
    const name = el.attributes.get('name');
    if (name === undefined) throw xmlError("Firmware entry is missing 'name' attribute");
    const value = textOf(el);
    const file = el.attributes.get('file');
    if (value.trim() === '' && file === undefined) throw xmlError("Firmware entry must have either value or 'file' attribute");
    return file === undefined ? element('entry', { name }, [value]) : element('entry', { name, file: sanitizePath(file) });
  });
}

/** One SMBIOS `<sysinfo>`'s sections, checked (BIOS date, system UUID) and written as libvirt does; the system UUID, if given. */
function smbios(sysinfo: XmlElement): { children: XmlElement[]; uuid?: string } {
  const children: XmlElement[] = [];
  let uuid: string | undefined;
  for (const [name, entries] of SECTIONS) {
    const found = name === 'baseBoard' ? childElements(sysinfo, name) : childElements(sysinfo, name).slice(0, 1);
    for (const el of found) {
      const normalised = new Map<string, string>();
      if (name === 'bios') {
        const date = entry(el, 'date');
        if (date !== undefined) checkBiosDate(date);
      } else if (name === 'system') {
        const given = entry(el, 'uuid');
        if (given !== undefined) {
          uuid = parseUuidText(given);
          if (uuid === undefined) throw detail('malformed <sysinfo> uuid element');
          normalised.set('uuid', uuid);
        }
      }
      const shown = section(el, entries, normalised);
      if (shown) children.push(shown);
    }
  }
  const oem = childElement(sysinfo, 'oemStrings');
  const strings = oem ? childElements(oem, 'entry') : [];
  if (strings.length > 0)
    children.push(
      element(
        'oemStrings',
        {},
        strings.map((s) => element('entry', {}, [textOf(s)])),
      ),
    );
  return { children, uuid };
}

/**
 * Every `<sysinfo>` as virSysinfoParseXML reads it and virSysinfoFormat writes it, and the domain's
 * UUID: an SMBIOS system UUID must be the domain's `uuid`, or becomes it when the definition gave
 * none (`generated`).
 */
export function canonicalSysinfos(sysinfos: readonly XmlElement[], uuid: string, generated: boolean): { uuid: string; elements: XmlElement[] } {
  let domainUuid = uuid;
  const elements = sysinfos.map((sysinfo) => {
    const type = enumAttribute(sysinfo, 'type', SYSINFO_TYPES, true)!;
    if (type === 'fwcfg') return element('sysinfo', { type }, fwCfgEntries(sysinfo));
    const read = smbios(sysinfo);
    if (read.uuid !== undefined) {
      if (generated) domainUuid = read.uuid;
      else if (read.uuid !== domainUuid) throw detail('UUID mismatch between <uuid> and <sysinfo>');
    }
    return element('sysinfo', { type }, read.children);
  });
  return { uuid: domainUuid, elements };
}
