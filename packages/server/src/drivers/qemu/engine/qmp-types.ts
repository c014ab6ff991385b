// Plain TypeScript shapes of the QMP messages and query replies the engine reads (QEMU 7.2 field names).

/** QEMU's greeting: `{"QMP": {"version": ..., "capabilities": [...]}}`. */
export interface QmpGreeting {
  QMP: {
    version: { qemu: { major: number; minor: number; micro: number }; package: string };
    capabilities: string[];
  };
}

/** An asynchronous event. STOP and RESUME carry no `data`. */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

/** One internal snapshot as listed in `image.snapshots` (QMP) or `snapshots` (qemu-img info). */
export interface ImageSnapshotInfo {
  id: string;
  name: string;
  'vm-state-size': number;
  'date-sec': number;
  'date-nsec': number;
  'vm-clock-sec'?: number;
  'vm-clock-nsec'?: number;
}

/** `ImageInfo` as embedded in query-block / query-named-block-nodes. */
export interface QmpImageInfo {
  filename: string;
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  'backing-image'?: QmpImageInfo;
  snapshots?: ImageSnapshotInfo[];
}

/** One node of `query-named-block-nodes` (also the shape of `query-block[].inserted`). */
export interface BlockNodeInfo {
  'node-name': string;
  drv: string;
  file: string;
  ro: boolean;
  backing_file_depth: number;
  backing_file?: string;
  image: QmpImageInfo;
}

/** One entry of `query-block`. With -blockdev/-device, `device` is "" and `qdev` identifies the disk. */
export interface QueryBlockEntry {
  device: string;
  qdev?: string;
  inserted?: BlockNodeInfo;
}

/** One entry of `query-jobs`. `error` is set when the job failed. */
export interface QueryJobsEntry {
  id: string;
  type: string;
  status: string;
  'current-progress': number;
  'total-progress': number;
  error?: string;
}

/** One entry of `query-block-jobs`. */
export interface BlockJobInfo {
  device: string;
  type: string;
  ready: boolean;
  status: string;
}

/** Reply of `query-status`. */
export interface QueryStatusReply {
  running: boolean;
  status: string;
  singlestep?: boolean;
}
