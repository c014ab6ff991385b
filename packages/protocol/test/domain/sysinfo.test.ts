// <sysinfo>, the domain <uuid> and <genid> as libvirt 9.0's test driver reads and writes them (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { DomainDefinition, TEST_DRIVER_DEFAULTS } from '../../src/xml.js';
import { defineError } from './define-errors.js';

const UUID = '<uuid>362d1fc1-df7d-193e-5c18-49a71bd1da66</uuid>';
const dom = (uuid: string, sysinfo: string) =>
  `<domain type='test'><name>c</name>${uuid}<memory>1048576</memory><os><type>hvm</type></os>${sysinfo}<devices/></domain>`;
const formatted = (uuid: string, sysinfo: string) =>
  DomainDefinition.parse(dom(uuid, sysinfo), { defaults: TEST_DRIVER_DEFAULTS, generateUuid: () => 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }).format({
    secure: false,
  });
const part = (xml: string, from: string, to: string) => {
  const lines = xml.split('\n').map((l) => l.trim());
  return lines.slice(
    lines.findIndex((l) => l.startsWith(from)),
    lines.findIndex((l) => l.startsWith(to)) + 1,
  );
};

describe('sysinfo', () => {
  it('writes SMBIOS sections with their known, non-empty entries in libvirt’s order, the first of each section but base boards', () => {
    const sysinfo =
      "<sysinfo type='smbios'><bios><entry name='release'>r</entry><entry name='vendor'>v &amp; x</entry><entry name='bogus'>b</entry></bios><bios><entry name='vendor'>second</entry></bios>" +
      "<system><entry name='family'>f</entry><entry name='sku'>s</entry><entry name='serial'></entry></system><baseBoard><entry name='location'>l</entry></baseBoard><baseBoard><entry name='x'>l</entry></baseBoard>" +
      "<baseBoard><entry name='asset'>a</entry><entry name='manufacturer'>m</entry></baseBoard><chassis><entry name='sku'>k</entry><entry name='product'>p</entry></chassis>" +
      "<oemStrings><entry>one</entry><entry name='n'>two</entry></oemStrings><oemStrings><entry>x</entry></oemStrings><processor><entry name='version'>v</entry></processor></sysinfo>";
    expect(part(formatted(UUID, sysinfo), '<sysinfo', '</sysinfo>')).toEqual([
      "<sysinfo type='smbios'>",
      '<bios>',
      "<entry name='vendor'>v &amp; x</entry>",
      "<entry name='release'>r</entry>",
      '</bios>',
      '<system>',
      "<entry name='sku'>s</entry>",
      "<entry name='family'>f</entry>",
      '</system>',
      '<baseBoard>',
      "<entry name='location'>l</entry>",
      '</baseBoard>',
      '<baseBoard>',
      "<entry name='manufacturer'>m</entry>",
      "<entry name='asset'>a</entry>",
      '</baseBoard>',
      '<chassis>',
      "<entry name='sku'>k</entry>",
      '</chassis>',
      '<oemStrings>',
      '<entry>one</entry>',
      '<entry>two</entry>',
      '</oemStrings>',
      '</sysinfo>',
    ]);
  });

  it('writes the system UUID in libvirt’s form, and makes it the domain’s when the definition gives none', () => {
    const sysinfo = (uuid: string) => `<sysinfo type='smbios'><bios/><system><entry name='uuid'>${uuid}</entry></system><oemStrings/></sysinfo>`;
    expect(part(formatted(UUID, sysinfo('362D1FC1 DF7D-193E-5C18-49A71BD1DA66')), '<sysinfo', '</sysinfo>')).toEqual([
      "<sysinfo type='smbios'>",
      '<system>',
      "<entry name='uuid'>362d1fc1-df7d-193e-5c18-49a71bd1da66</entry>",
      '</system>',
      '</sysinfo>',
    ]);
    expect(formatted('', sysinfo('a94b4335-6a14-8bc4-d6da-f7ea590b6816'))).toContain('<uuid>a94b4335-6a14-8bc4-d6da-f7ea590b6816</uuid>');
  });

  it('writes fw_cfg entries with a file (its path sanitised) or a value', () => {
    const sysinfo =
      "<sysinfo type='fwcfg'><entry name='opt/a' file='//tmp//x/'>v</entry><entry name='opt/b'> v </entry><entry name='opt/c' file='///'/><entry name='opt/d' file='//'/><entry name='opt/e' file='http://a//b/'/></sysinfo>";
    expect(part(formatted(UUID, sysinfo), '<sysinfo', '</sysinfo>')).toEqual([
      "<sysinfo type='fwcfg'>",
      "<entry name='opt/a' file='//tmp/x'/>",
      "<entry name='opt/b'> v </entry>",
      "<entry name='opt/c' file='/'/>",
      "<entry name='opt/d' file='//'/>",
      "<entry name='opt/e' file='http://a//b/'/>",
      '</sysinfo>',
    ]);
  });

  it.each([['12/31/99'], [' +1/ 1/1900'], ['02/29/2023']])('takes the BIOS date %j', (date) => {
    expect(defineError(dom(UUID, `<sysinfo type='smbios'><bios><entry name='date'>${date}</entry></bios></sysinfo>`))).toBe('ok');
  });

  it('reads the domain UUID as virUUIDParse does: pairs of digits, dashes and blanks between them', () => {
    expect(formatted('<uuid> 362d1fc1-df7d-193e5c18 49a71bd1da66 </uuid>', '')).toContain(UUID);
  });

  const date = (d: string) => `<sysinfo type='smbios'><bios><entry name='date'>${d}</entry></bios></sysinfo>`;
  const systemUuid = (u: string) => `<sysinfo type='smbios'><system><entry name='uuid'>${u}</entry></system></sysinfo>`;
  it.each([
    ['a BIOS date out of range', UUID, date('999/999/123'), [35, 20, "Invalid BIOS 'date' format"]],
    ['a BIOS year between 100 and 1899', UUID, date('1/1/1899'), [35, 20, "Invalid BIOS 'date' format"]],
    ['a BIOS date with a trailing blank', UUID, date('1/1/1900 '), [35, 20, "Invalid BIOS 'date' format"]],
    [
      'a system UUID that is not the domain’s',
      UUID,
      systemUuid('a94b4335-6a14-8bc4-d6da-f7ea590b6816'),
      [35, 20, 'UUID mismatch between <uuid> and <sysinfo>'],
    ],
    ['a malformed system UUID', UUID, systemUuid('362D1FC1'), [35, 20, 'malformed <sysinfo> uuid element']],
    ['an unknown sysinfo type', UUID, "<sysinfo type='x'/>", [27, 5, "XML error: Invalid value for attribute 'type' in element 'sysinfo': 'x'."]],
    ['a sysinfo without type', UUID, '<sysinfo/>', [27, 5, "XML error: Missing required attribute 'type' in element 'sysinfo'"]],
    [
      'a fw_cfg entry without name',
      UUID,
      "<sysinfo type='fwcfg'><entry>x</entry></sysinfo>",
      [27, 20, "XML error: Firmware entry is missing 'name' attribute"],
    ],
    [
      'a fw_cfg entry without value or file',
      UUID,
      "<sysinfo type='fwcfg'><entry name='opt/a'> </entry></sysinfo>",
      [27, 20, "XML error: Firmware entry must have either value or 'file' attribute"],
    ],
    ['a domain UUID one digit short', '<uuid>362d1fc1-df7d-193e-5c18-49a71bd1da6</uuid>', '', [1, 20, 'internal error: malformed uuid element']],
  ])('refuses %s', (_what, uuid, sysinfo, expected) => {
    expect(defineError(dom(uuid, sysinfo))).toEqual(expected);
  });

  it('writes a generation ID in libvirt’s form, and generates one for an empty <genid>', () => {
    expect(formatted(`${UUID}<genid>E9392370-2917-565E-692B-D057F46512D6</genid>`, '')).toContain('<genid>e9392370-2917-565e-692b-d057f46512d6</genid>');
    expect(formatted(`${UUID}<genid/>`, '')).toContain('<genid>aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</genid>');
  });

  it.each([
    ['a malformed generation ID', '<genid>x</genid>', [1, 20, 'internal error: malformed genid element']],
    ['a blank generation ID', '<genid> </genid>', [1, 20, 'internal error: malformed genid element']],
    ['two generation IDs', '<genid/><genid/>', [27, 20, "XML error: element 'genid' can only appear once"]],
  ])('refuses %s', (_what, genid, expected) => {
    expect(defineError(dom(`${UUID}${genid}`, ''))).toEqual(expected);
  });
});
