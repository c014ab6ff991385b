// Unit tests of the qemu driver's status file: written from a live definition or from the XML text one was formatted to, read back the same.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainDefinition } from '@virtwire/protocol/xml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatStatus, StateLayout } from '../../src/drivers/qemu/state-layout.js';

const UUID = '4dea22b3-1d52-d8f3-2516-782e98ab3fa0';
const LIVE = `<domain type='kvm' id='3'>
  <name>status</name>
  <uuid>${UUID}</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/images/a &amp; b.s1'/>
      <backingStore type='file'><format type='qcow2'/><source file='/images/a &amp; b.qcow2'/><backingStore/></backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <graphics type='vnc' autoport='yes' passwd='s&lt;cret'/>
  </devices>
</domain>`;

let dir: string;
let layout: StateLayout;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vw-status-'));
  layout = new StateLayout(dir, join(dir, 'run'));
  mkdirSync(join(dir, 'run', UUID), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('status file', () => {
  const meta = { id: 3, persistent: true, state: 'paused', reason: 2 } as const;

  it('reads back the same status, written from the definition or from its formatted XML', () => {
    const definition = DomainDefinition.parse(LIVE);
    const fromText = formatStatus({ ...meta, live: definition.format({ secure: true }) });
    const fromDefinition = formatStatus({ ...meta, live: definition });
    for (const text of [fromText, fromDefinition]) {
      writeFileSync(layout.statusFile(UUID), text);
      const status = layout.readStatus(UUID)!;
      expect({ ...status, live: status.live.format({ secure: true }) }).toEqual({ ...meta, live: definition.format({ secure: true }) });
    }
    expect(fromText).toMatch(/^<domstatus id='3' persistent='yes' state='paused' reason='2'>\n {2}<domain /);
    expect(fromText).toContain("passwd='s&lt;cret'"); // secure data is kept: a restarted daemon needs it
  });
});
