// Writes an empty qcow2 v3 overlay (header, refcounts, L1) in-process, from the published qcow2 specification.
import type { FileHandle } from 'node:fs/promises';
import { PreconditionError } from './errors.js';

/** What the overlay records. */
export interface Qcow2OverlaySpec {
  virtualSize: number;
  /** Stored verbatim; use an absolute path. */
  backingFile: string;
  backingFormat: string;
}

const CLUSTER_BITS = 16;
const CLUSTER_SIZE = 1 << CLUSTER_BITS;
const HEADER_LENGTH = 112; // v3 header including the compression-type byte and padding
const REFCOUNT_ORDER = 4; // 16-bit refcounts
const L2_ENTRIES = CLUSTER_SIZE / 8;
const BACKING_FORMAT_EXTENSION = 0xe2792aca;
const MAX_BACKING_NAME_BYTES = 1023;
const MAX_L1_CLUSTERS = 64; // 256 TiB of virtual size

/**
 * Writes a new, empty qcow2 (version 3, 64 KiB clusters, 16-bit refcounts, zlib, no lazy
 * refcounts) with a backing file into `handle`, laid out as qemu-img does: header in cluster 0,
 * refcount table in cluster 1, one refcount block in cluster 2, the L1 table from cluster 3.
 * The file must be empty (a freshly reserved file).
 */
export async function writeQcow2Overlay(handle: FileHandle, spec: Qcow2OverlaySpec): Promise<void> {
  const layout = planLayout(spec);
  const header = encodeHeader(spec, layout);
  const refcountTable = Buffer.alloc(8);
  refcountTable.writeBigUInt64BE(BigInt(2 * CLUSTER_SIZE));
  const refcountBlock = Buffer.alloc(2 * layout.usedClusters);
  for (let cluster = 0; cluster < layout.usedClusters; cluster++) refcountBlock.writeUInt16BE(1, cluster * 2);
  await handle.write(header, 0, header.length, 0);
  await handle.write(refcountTable, 0, refcountTable.length, CLUSTER_SIZE);
  await handle.write(refcountBlock, 0, refcountBlock.length, 2 * CLUSTER_SIZE);
  await handle.truncate(3 * CLUSTER_SIZE + layout.l1Entries * 8); // the L1 table: all zero (nothing allocated)
}

interface Layout {
  l1Entries: number;
  usedClusters: number;
}

function planLayout(spec: Qcow2OverlaySpec): Layout {
  if (!Number.isSafeInteger(spec.virtualSize) || spec.virtualSize <= 0 || spec.virtualSize % 512 !== 0) {
    throw new PreconditionError('invalid-size', `qcow2 virtual size must be a positive multiple of 512, got ${spec.virtualSize}`);
  }
  const l1Entries = Math.ceil(spec.virtualSize / (CLUSTER_SIZE * L2_ENTRIES));
  const l1Clusters = Math.ceil((l1Entries * 8) / CLUSTER_SIZE);
  if (l1Clusters > MAX_L1_CLUSTERS) throw new PreconditionError('invalid-size', `virtual size ${spec.virtualSize} is too large`);
  return { l1Entries, usedClusters: 3 + l1Clusters };
}

function encodeHeader(spec: Qcow2OverlaySpec, layout: Layout): Buffer {
  const backingName = Buffer.from(spec.backingFile, 'utf8');
  if (backingName.length === 0 || backingName.length > MAX_BACKING_NAME_BYTES) {
    throw new PreconditionError('invalid-path', `backing file name must be 1..${MAX_BACKING_NAME_BYTES} bytes`);
  }
  const extensions = encodeExtensions(spec.backingFormat);
  const backingOffset = HEADER_LENGTH + extensions.length;
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(0x514649fb, 0); // "QFI\xfb"
  header.writeUInt32BE(3, 4); // version
  header.writeBigUInt64BE(BigInt(backingOffset), 8);
  header.writeUInt32BE(backingName.length, 16);
  header.writeUInt32BE(CLUSTER_BITS, 20);
  header.writeBigUInt64BE(BigInt(spec.virtualSize), 24);
  header.writeUInt32BE(0, 32); // no encryption
  header.writeUInt32BE(layout.l1Entries, 36);
  header.writeBigUInt64BE(BigInt(3 * CLUSTER_SIZE), 40); // L1 table offset
  header.writeBigUInt64BE(BigInt(CLUSTER_SIZE), 48); // refcount table offset
  header.writeUInt32BE(1, 56); // refcount table clusters
  header.writeUInt32BE(0, 60); // no internal snapshots
  header.writeBigUInt64BE(0n, 64);
  header.writeBigUInt64BE(0n, 72); // incompatible features
  header.writeBigUInt64BE(0n, 80); // compatible features
  header.writeBigUInt64BE(0n, 88); // autoclear features
  header.writeUInt32BE(REFCOUNT_ORDER, 96);
  header.writeUInt32BE(HEADER_LENGTH, 100);
  // byte 104: compression type 0 (zlib), then padding
  return Buffer.concat([header, extensions, backingName]);
}

/** The backing-format extension followed by the end-of-extensions marker, each padded to 8 bytes. */
function encodeExtensions(backingFormat: string): Buffer {
  const format = Buffer.from(backingFormat, 'ascii');
  if (!/^[a-z0-9]{1,16}$/.test(backingFormat)) throw new PreconditionError('invalid-format', `invalid backing format ${JSON.stringify(backingFormat)}`);
  const padded = Math.ceil(format.length / 8) * 8;
  const extension = Buffer.alloc(8 + padded + 8);
  extension.writeUInt32BE(BACKING_FORMAT_EXTENSION, 0);
  extension.writeUInt32BE(format.length, 4);
  format.copy(extension, 8);
  return extension; // the trailing 8 zero bytes are the end marker (type 0, length 0)
}
