// @virtwire/server/qemu-engine: the QEMU engine (QMP client, qemu-img, live and offline snapshot steps) on its own, for its tests and benchmarks.
export * from './drivers/qemu/engine/index.js';
