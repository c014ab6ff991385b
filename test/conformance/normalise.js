// Replaces the volatile parts of a recorded or replayed output (times, generated names and uuids, paths, URIs) by fixed markers.
// The same rules run when libvirt's output is recorded and when virtwire's is replayed (see record/README.md).

/** Generated snapshot names and creation times: seconds since the epoch from 2020-09 on. */
const EPOCH = /\b1[6-9]\d{8}\b/g;
/** virsh's creation-time column and similar dates from 2020 on (the fixtures' dates are older and stay). */
const RECENT_DATE = /\b20[2-9]\d-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g;
/** `CPU time:       123.4s` (dominfo): the test driver derives it from the clock. */
const CPU_TIME = /^(CPU time:\s+)\d+\.\ds$/gm;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
/** libvirt's remote transport and socket, or virtwire's WebSocket address, in a URI. */
const TRANSPORT = /\b(test|qemu)\+(?:unix|ws|wss|tcp):\/\/(?:127\.0\.0\.1:\d+|localhost:\d+)?/g;
const SOCKET_QUERY = /\?socket=[^\s'"]*/g;
/** A MAC address in the range libvirt generates from (its default prefix, virDomainNetGenerateMAC). */
const GENERATED_MAC = /\b52:54:00(?::[0-9a-f]{2}){3}\b/gi;

/**
 * Normalises `text`. `context.paths` maps literal directories to markers (`@NODES@`, `@FILES@`);
 * `context.stableUuids` lists the uuids that come from the input (fixtures, definitions): every
 * other uuid was generated and becomes `@UUID@`; `context.hostname`, alone on a line
 * (`hostname`, virConnectGetHostname), becomes `@HOSTNAME@`; with `context.macInputs` (the case's
 * input text), a MAC address of libvirt's generated range that the input does not name becomes `@MAC@`.
 */
export function normalise(text, context) {
  let out = text;
  for (const [path, marker] of Object.entries(context.paths ?? {})) out = out.split(path).join(marker);
  out = out.replace(SOCKET_QUERY, '').replace(TRANSPORT, '$1://');
  out = out.replace(CPU_TIME, '$1@CPUTIME@').replace(RECENT_DATE, '@DATE@').replace(EPOCH, '@EPOCH@');
  const stable = new Set((context.stableUuids ?? []).map((u) => u.toLowerCase()));
  out = out.replace(UUID, (uuid) => (stable.has(uuid.toLowerCase()) ? uuid : '@UUID@'));
  if (context.hostname) out = out.replace(new RegExp(`^${escapeRegExp(context.hostname)}$`, 'gm'), '@HOSTNAME@');
  if (context.macInputs !== undefined) {
    const given = context.macInputs.toLowerCase();
    out = out.replace(GENERATED_MAC, (mac) => (given.includes(mac.toLowerCase()) ? mac : '@MAC@'));
  }
  return out;
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every uuid written in `texts` (the inputs of a case): those are not generated. */
export function uuidsIn(...texts) {
  return texts.flatMap((t) => (typeof t === 'string' ? (t.match(UUID) ?? []) : []));
}

/** Normalises every string inside a JSON value (results of raw calls). */
export function normaliseValue(value, context) {
  if (typeof value === 'string') return normalise(value, context);
  if (Array.isArray(value)) return value.map((v) => normaliseValue(v, context));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseValue(v, context)]));
  return value;
}
