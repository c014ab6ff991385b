// The create form's snapshot XML and the console's connection URI: escaped, as libvirt reads them, and to the page's own daemon.
import { parseSnapshotXml } from '@virtwire/client/xml';
import { describe, expect, it } from 'vitest';
import { snapshotXml } from '../src/format/snapshot-xml.js';
import { consoleUri } from '../src/session/console-uri.js';

describe('snapshotXml', () => {
  it('escapes names, descriptions and paths, and says how each disk takes part', () => {
    const xml = snapshotXml({
      name: `a<b>&"c'`,
      description: '</description><memory snapshot="external"/>',
      disks: [
        { target: 'vda', choice: 'external', source: `/images/x'y".qcow2` },
        { target: 'vdb', choice: 'no', source: '/ignored' },
        { target: 'vdc', choice: 'internal' },
      ],
    });
    const def = parseSnapshotXml(xml);
    expect(def.name).toBe(`a<b>&"c'`);
    expect(def.description).toBe('</description><memory snapshot="external"/>');
    expect(def.memory).toBeUndefined();
    expect(def.disks).toEqual([
      { name: 'vda', snapshot: 'external', source: `/images/x'y".qcow2` },
      { name: 'vdb', snapshot: 'no' },
      { name: 'vdc', snapshot: 'internal' },
    ]);
  });

  it('leaves out an empty name and description', () => {
    expect(snapshotXml({ name: '', description: '', disks: [] })).toBe('<domainsnapshot></domainsnapshot>');
  });
});

describe('consoleUri', () => {
  it('reaches the driver through the daemon that served the page, wss on https', () => {
    expect(consoleUri('test:///default', { protocol: 'http:', host: '127.0.0.1:16520' })).toBe('test+ws://127.0.0.1:16520/default');
    expect(consoleUri('qemu:///session', { protocol: 'https:', host: 'virt.example' })).toBe('qemu+wss://virt.example/session');
    expect(consoleUri('test:///tmp/node.xml?atomic=none', { protocol: 'http:', host: 'h:1' })).toBe('test+ws://h:1/tmp/node.xml?atomic=none');
  });

  it('refuses a driver URI that names another host or a transport', () => {
    for (const uri of ['test://elsewhere/default', 'test+ws://evil:1/default', 'default', '']) {
      expect(() => consoleUri(uri, { protocol: 'http:', host: 'h:1' }), uri).toThrow(TypeError);
    }
  });
});
