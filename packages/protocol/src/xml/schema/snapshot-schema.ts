// The `<domainsnapshot>` documents virtwire accepts, as a schema (learned from libvirt's domainsnapshot.rng, written anew).
import { DOMAIN_SCHEMA } from './domain-schema.js';
import { ANY, TEXT, type DocumentSchema, type ElementRule } from './xml-schema.js';

const DISK_MODES = ['no', 'internal', 'external', 'manual'];
const STORAGE_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser', 'vhostvdpa'];

const snapshotDisk: ElementRule = {
  attributes: { name: 'text', snapshot: DISK_MODES, type: STORAGE_TYPES },
  children: {
    source: {
      attributes: { file: 'text', dev: 'text', dir: 'text', protocol: 'text', name: 'text', pool: 'text', volume: 'text', index: 'text' },
      children: { host: ANY, seclabel: ANY, auth: ANY },
    },
    driver: { attributes: { type: 'text', name: 'text' }, children: { metadata_cache: ANY } },
    seclabel: ANY,
  },
};

/** `<domainsnapshot>`: every child is optional and they may come in any order (an interleave). */
export const SNAPSHOT_SCHEMA: DocumentSchema = {
  root: 'domainsnapshot',
  file: '/usr/share/libvirt/schemas/domainsnapshot.rng',
  rule: {
    children: {
      name: TEXT,
      description: TEXT,
      state: { text: ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended', 'disk-snapshot'] },
      creationTime: TEXT,
      parent: { children: { name: TEXT } },
      memory: { attributes: { snapshot: DISK_MODES, file: 'text' } },
      disks: { children: { disk: snapshotDisk } },
      revertDisks: { children: { disk: snapshotDisk } },
      active: { text: ['0', '1'] },
      domain: DOMAIN_SCHEMA.rule,
      inactiveDomain: DOMAIN_SCHEMA.rule,
      cookie: ANY,
    },
  },
};
