// Sorts one snapshot-sweep case into a class: identical, a documented superset, or the kind of difference.

/**
 * libvirt test-driver refusals that virtwire's test driver deliberately goes past (test/conformance/
 * deviations.json: disk-only, no-metadata, reuse-external and external snapshots over simulated storage).
 */
export const SUPERSET_REASONS = [
  /^unsupported flags \(0x[0-9a-f]+\) in function testDomainSnapshotCreateXML$/,
  /is not a regular file; refusing to generate external snapshot name$/,
  /must use snapshot mode 'internal'$/,
];

const isSuperset = (error) =>
  error?.domain === 12 && error?.code === 8 ? SUPERSET_REASONS[0].test(error.message) : SUPERSET_REASONS.some((r) => r.test(error?.message ?? ''));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The class of a case from libvirt's and virtwire's normalised outcomes. */
export function classify(libvirt, virtwire, input = '') {
  if (!virtwire || virtwire.crash || virtwire.create?.error?.crash || virtwire.setup?.crash) return 'crash';
  if (!same(libvirt.setup, virtwire.setup)) return 'setup-differs';
  // <revertDisks> (libvirt >= 9.9, virtwire's reverts with children): libvirt 9.0 ignores it, its schema refuses it.
  if (input.includes('<revertDisks>') && !same(libvirt, virtwire)) return 'differs-revert-disks';
  if (libvirt.setup) return 'identical';
  const l = libvirt.create;
  const v = virtwire.create;
  if (l.error && v.error && !same(l.error, v.error) && isSuperset(l.error)) return 'superset-then-refused';
  if (v.error?.code === 1 && l.error?.code !== 1) return 'internal-error';
  // SECURITY.md: one name policy, stricter than libvirt's (no surrounding white space, no '/', ...).
  if (v.error && /invalid snapshot name /.test(v.error.message) && !l.error) return 'differs-name-policy';
  // SECURITY.md: no definition may name a path on /dev, /proc or /sys (the sweep's @nodev copies go past it).
  if (v.error?.code === 88 && / is on a special filesystem /.test(v.error.message)) return 'differs-special-filesystem';
  if (l.result !== undefined && v.error) return 'rejects-valid';
  if (l.error && v.result !== undefined) return isSuperset(l.error) ? 'superset' : 'accepts-invalid';
  if (l.error && v.error) {
    if (same(l.error, v.error)) return 'identical';
    if (isSuperset(l.error)) return 'superset-then-refused';
    return l.error.code === v.error.code && l.error.domain === v.error.domain ? 'error-message' : 'error-code';
  }
  if (l.result !== v.result) return 'name-differs';
  if (!same(libvirt.after.xml, virtwire.after.xml) || !same(libvirt.after.xmlSecure, virtwire.after.xmlSecure)) return 'format';
  const { xmlDomains: ld, xmlSecureDomains: lsd, ...lrest } = libvirt.after;
  const { xmlDomains: vd, xmlSecureDomains: vsd, ...vrest } = virtwire.after;
  if (!same(lrest, vrest)) return 'after-state';
  // The snapshot agrees; only its copy of the domain definition is formatted differently (the domain model's sweep).
  return same(ld, vd) && same(lsd, vsd) ? 'identical' : 'domain-model';
}
