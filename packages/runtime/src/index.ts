// @virtwire/runtime: how virtwire peers behave at run time (keepalive, adaptive polling, where the local daemon lives). Browser-safe: no Node imports.
export * from './keepalive.js';
export * from './adaptive-poll.js';
export * from './local-daemon.js';
