// Domain XML round trips: libvirt's own formatting of every node-file domain and qemu definition, reproduced by the domain model.
import { VirError } from '@virtwire/client';
import { DomainDefinition, qemuDriverDefaults, TEST_DRIVER_DEFAULTS } from '@virtwire/client/xml';
import { describe, expect, it } from 'vitest';
import { qemuDefinitionCases, virshCases } from './replay/corpus.js';
import deviations from './qemu-deviations.json' with { type: 'json' };

/** Every `<domain>` document virsh printed for a node-file domain, with the dumpxml flags that printed it. */
function nodeFileDomains(): { id: string; xml: string; secure: boolean }[] {
  const found: { id: string; xml: string; secure: boolean }[] = [];
  for (const c of virshCases) {
    if (c.host === 'default' || c.host === null || c.code !== 0) continue;
    const match = /^dumpxml (\S+)(.*)$/.exec(c.argv[0] ?? '');
    if (!match || match[2]!.includes('--xpath')) continue;
    found.push({ id: c.id, xml: c.stdout.replace(/\n\n$/, '\n'), secure: match[2]!.includes('--security-info') });
  }
  return found;
}

describe('node-file domains: libvirt formats, the model parses and formats the same bytes', () => {
  it.each(nodeFileDomains().map((d) => [d.id, d] as const))('%s', (_id, { xml, secure }) => {
    const id = Number(/^<domain type='[^']*' id='(\d+)'/.exec(xml)?.[1] ?? -1);
    const definition = DomainDefinition.parse(xml, { defaults: TEST_DRIVER_DEFAULTS });
    expect(definition.format({ secure, id })).toBe(xml);
  });
});

const qemuDeviations: Readonly<Record<string, string>> = deviations;

/** The recording host's QEMU (Debian 12's 7.2), as the qemu:///session corpus saw it. */
const RECORDED_QEMU = qemuDriverDefaults({
  emulator: '/usr/bin/qemu-system-x86_64',
  machineAliases: new Map([
    ['q35', 'pc-q35-7.2'],
    ['pc', 'pc-i440fx-7.2'],
  ]),
});

describe('qemu definitions: what libvirt formats for each definition, from the model with the QEMU driver defaults', () => {
  it.each(qemuDefinitionCases.map((c) => [c.id, c] as const))('%s', (id, c) => {
    let got: Record<string, string> | { error: string };
    try {
      const definition = DomainDefinition.parse(c.xml, { defaults: RECORDED_QEMU, validate: c.flags === 1 });
      got = Object.fromEntries([0, 1, 2, 3].map((flags) => [String(flags), definition.format({ secure: (flags & 1) !== 0 })]));
    } catch (error) {
      if (!VirError.is(error)) throw error;
      got = { error: error.message };
    }
    const want = c.error ? { error: c.error.message } : c.formatted!;
    const identical = JSON.stringify(got) === JSON.stringify(want);
    if (Object.hasOwn(qemuDeviations, id)) {
      expect(identical, `${id} is listed in qemu-deviations.json but now formats as libvirt does: remove it`).toBe(false);
      return;
    }
    expect(got).toEqual(want);
  });
});
