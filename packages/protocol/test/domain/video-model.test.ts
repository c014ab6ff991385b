// A video card's model numbers as libvirt 9.0 reads and writes them (virDomainVideoDefParseXML, virDomainDefPostParseVideo; recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const videoOf = (video: string) => /<video>[\s\S]*?<\/video>/.exec(formattedDomain(domain(video)))?.[0].replace(/\s+/g, ' ');

describe('video model', () => {
  it.each([
    ["<video><model type='cirrus' heads='0'/></video>", "<video> <model type='cirrus' vram='16384' primary='yes'/> </video>"],
    ["<video><model type='cirrus' vram='0' heads='02'/></video>", "<video> <model type='cirrus' vram='16384' heads='2' primary='yes'/> </video>"],
    [
      "<video><model type='none' heads='2' vram='8'/><address type='pci' slot='3'/><alias name='ua-v'/></video>",
      "<video> <model type='none'/> <alias name='ua-v'/> </video>",
    ],
  ])('writes %s as libvirt does', (given, written) => {
    expect(videoOf(given)).toBe(written);
  });

  it.each([
    ["<video><model type='vga' heads='-0'/></video>", [1, 20, "internal error: cannot parse video heads '-0'"]],
    ["<video><model type='vga' vram='x'/></video>", [27, 20, "XML error: cannot parse video vram 'x'"]],
  ])('refuses %s', (video, expected) => {
    expect(defineError(domain(video))).toEqual(expected);
  });
});
