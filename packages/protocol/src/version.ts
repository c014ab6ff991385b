// Protocol identity: the WebSocket subprotocol, default port, default driver URI and the daemon's version.

/** The WebSocket subprotocol every virtwire peer must offer and the daemon selects. */
export const SUBPROTOCOL = 'virtwire.v1';

/** The default TCP port of virtwired (libvirt's is 16509; 16520 keeps clear of it). */
export const DEFAULT_TCP_PORT = 16520;

/** virtwire's own version, encoded as libvirt encodes versions (major * 1e6 + minor * 1e3 + micro). */
export const LIB_VERSION = 1_000;

/** Encodes `major.minor.micro` as libvirt's version number. */
export function encodeVersion(major: number, minor: number, micro: number): number {
  return major * 1_000_000 + minor * 1_000 + micro;
}

/** The URI the daemon opens when a client asks for its default (libvirt's NULL URI). */
export const DEFAULT_DRIVER_URI = 'test:///default';
