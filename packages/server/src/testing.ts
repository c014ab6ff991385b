// @virtwire/server/testing: the internals that virtwire's own tests and benchmarks inspect. Not a supported API: it may change in any release.
export { Dispatcher } from './rpc/dispatcher.js';
export type { Session } from './rpc/session.js';
export { TestDriver } from './drivers/test-driver/test-driver.js';
export { testCapabilities } from './drivers/test-driver/test-capabilities.js';
export { SnapshotTree } from './conf/snapshot-tree.js';
export { TOKEN_SUBPROTOCOL_PREFIX } from './auth/bearer-credentials.js';
export {
  checkLexicalConfinement,
  confinePath,
  PathConfinementError,
  resolveStorageRoots,
  type ConfinementProblem,
  type StorageRoot,
} from './storage/confined-path.js';
export { declaredChain, diskElement } from './drivers/qemu/disk-chain.js';
export { parseSnapshotFile, StateLayout } from './drivers/qemu/state-layout.js';
export { MESSAGE_OVERHEAD_BYTES, OutboundQueue, SOCKET_MESSAGES } from './rpc/outbound-queue.js';
export { snapshotImage } from './drivers/qemu/snapshot-images.js';
export { DurableRequestOutcomes } from './state/request-outcome-file.js';
