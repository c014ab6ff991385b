// The `<domainsnapshot>` documents virtwire accepts, as a schema (learned from libvirt's domainsnapshot.rng, written anew).
import { DOMAIN_SCHEMA } from './domain-schema.js';
import { ANY, TEXT, type DocumentSchema, type ElementRule } from './xml-schema.js';

const YES_NO = ['yes', 'no'];
/** basictypes.rng's absFilePath. */
const ABS_PATH = /^(?:\/|[a-zA-Z]:\\).+$/s;
/** A disk's name: domaincommon.rng's diskTargetDev, or an absolute path. */
const DISK_NAME = /^(?:(?:ioemu:)?(?:fd|hd|sd|vd|xvd|ubd)[a-zA-Z0-9_]+|(?:\/|[a-zA-Z]:\\).+)$/s;
/** basictypes.rng's scaledInteger: a unit and an unsignedLong. */
const UNIT = /^(?:[bB](?:[yY][tT][eE][sS]?)?|[kKmMgGtTpPeE](?:[iI]?[bB])?)$/;
const UNSIGNED = /^\s*\+?\d+\s*$/;
/** `<driver>` of a new local image: its format and qcow2's metadata cache size. */
const driver: ElementRule = {
  // storageFormatBacking: only formats that can have a backing file.
  attributes: { type: ['cow', 'qcow', 'qcow2', 'qed', 'vmdk'] },
  children: { metadata_cache: { children: { max_size: { attributes: { unit: UNIT }, text: UNSIGNED } } } },
};
/** What a local source (file or block) may hold besides its path. */
const localSourceChildren = { seclabel: ANY, slices: ANY, encryption: ANY, privateData: ANY };
const localSource = (path: 'file' | 'dev'): ElementRule => ({
  // No startupPolicy: libvirt's storageStartupPolicy is notAllowed in a snapshot.
  attributes: { [path]: ABS_PATH, index: { type: 'positiveInteger' } },
  required: path === 'dev' ? ['dev'] : [],
  children: localSourceChildren,
});
/** A network source: protocol, image name, hosts and the protocol's extras (no seclabel, no driver beside it). */
const networkSource: ElementRule = {
  attributes: {
    protocol: ['nbd', 'rbd', 'sheepdog', 'gluster', 'iscsi', 'http', 'https', 'ftp', 'ftps', 'tftp', 'ssh', 'vxhs', 'nfs'],
    name: 'text',
    tls: YES_NO,
    tlsHostname: 'text',
    query: 'text',
    index: { type: 'positiveInteger' },
  },
  required: ['protocol'],
  children: {
    host: {
      variants: {
        attribute: 'transport',
        default: 'tcp',
        rules: {
          tcp: { attributes: { transport: ['tcp'], name: 'text', port: { type: 'unsignedInt' } }, required: ['name'] },
          rdma: { attributes: { transport: ['rdma'], name: 'text', port: { type: 'unsignedInt' } }, required: ['name'] },
          unix: { attributes: { transport: ['unix'], socket: ABS_PATH }, required: ['socket'] },
        },
      },
    },
    snapshot: ANY,
    config: ANY,
    auth: ANY,
    encryption: ANY,
    ssl: ANY,
    cookies: ANY,
    readahead: ANY,
    timeout: ANY,
    reconnect: ANY,
    initiator: ANY,
    identity: ANY,
    knownHosts: ANY,
    slices: ANY,
    privateData: ANY,
  },
};
const external = (type: string[], source: ElementRule, withDriver: boolean): ElementRule => ({
  attributes: { name: DISK_NAME, snapshot: ['external'], type },
  children: withDriver ? { source, driver } : { source },
});
/** libvirt's `disksnapshot`: `no`, `internal` and `manual` take nothing else; `external` (the default) a new image by storage type. */
const snapshotDisk: ElementRule = {
  variants: {
    attribute: 'snapshot',
    default: 'external',
    rules: {
      no: { attributes: { name: DISK_NAME, snapshot: ['no'] }, required: ['name'] },
      internal: { attributes: { name: DISK_NAME, snapshot: ['internal'] }, required: ['name'] },
      manual: { attributes: { name: DISK_NAME, snapshot: ['manual'] }, required: ['name'] },
      external: {
        variants: {
          attribute: 'type',
          default: 'file',
          rules: {
            file: { ...external(['file'], localSource('file'), true), required: ['name'] },
            block: { ...external(['block'], localSource('dev'), true), required: ['name'] },
            network: { ...external(['network'], networkSource, false), required: ['name'], requiredChildren: ['source'] },
          },
        },
      },
    },
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
      // libvirt 9.0's schema knows neither 'nostate' nor 'pmsuspended' (its parser accepts the latter).
      state: { text: ['running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'disk-snapshot'] },
      creationTime: TEXT,
      parent: { children: { name: TEXT } },
      // `no` or `internal` without a file, or an absolute file (`external` or implied); never `manual`.
      memory: {
        variants: {
          attribute: 'snapshot',
          default: 'external',
          rules: {
            no: { attributes: { snapshot: ['no'] } },
            internal: { attributes: { snapshot: ['internal'] } },
            external: { attributes: { snapshot: ['external'], file: ABS_PATH }, required: ['file'] },
          },
        },
      },
      disks: { children: { disk: snapshotDisk } },
      revertDisks: { children: { disk: snapshotDisk } },
      active: { text: ['0', '1'] },
      domain: DOMAIN_SCHEMA.rule,
      inactiveDomain: DOMAIN_SCHEMA.rule,
      cookie: ANY,
    },
  },
};
