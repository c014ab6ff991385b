// @virtwire/runtime: how virtwire peers behave at run time (keepalive, adaptive polling, where the local daemon lives). Browser-safe: no Node imports.
/**
 * Run-time behaviour every peer shares: keepalive frames, adaptive polling, local daemon paths.
 * @module @virtwire/runtime
 */
export * from './keepalive.js';
export * from './adaptive-poll.js';
export * from './local-daemon.js';
