// Where a fuzz case's outcomes part from libvirt's: the first step that differs, and the class it falls in.
import type { Outcome, RawStep } from '../replay/corpus.js';
import { stable } from '../replay/python-calls.js';

/** The first step whose outcome differs, with both outcomes. */
export interface Divergence {
  /** Index into the case's steps. */
  at: number;
  step: RawStep;
  libvirt: Outcome | undefined;
  virtwire: Outcome | undefined;
  /**
   * `superset` when libvirt refuses only flags virtwire's test driver documents as a superset, or
   * refuses to name an external target from an image only virtwire's simulated storage holds;
   * `differs` after a revert that started the domain, or from an external snapshot libvirt's test
   * driver records as metadata only (all documented in deviations.json); the case is not compared
   * past it.
   */
  kind: 'superset' | 'differs' | 'undocumented';
  /** What groups it with others: the call, and each side's outcome in short. */
  className: string;
}

/**
 * The flags libvirt's test driver refuses and virtwire's honours (deviations.json's `superset` entries):
 * virDomainSnapshotCreateFlags NO_METADATA, DISK_ONLY and REUSE_EXT; VIR_DOMAIN_START_PAUSED;
 * VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY.
 */
const SUPERSET_FLAGS: Readonly<Record<string, number>> = {
  virDomainSnapshotCreateXML: 4 | 16 | 32,
  virDomainCreateWithFlags: 1,
  virDomainSnapshotDelete: 2,
};

/** True when libvirt refused the step for flags that are all in its superset (virCheckFlags names the ones it does not know). */
function refusedSupersetFlags(op: string, libvirt: Outcome | undefined): boolean {
  if (libvirt === undefined || !('error' in libvirt)) return false;
  const refused = /^unsupported flags \(0x([0-9a-f]+)\)/.exec(libvirt.error.message);
  const bits = refused ? parseInt(refused[1]!, 16) : 0;
  return bits !== 0 && (bits & ~(SUPERSET_FLAGS[op] ?? 0)) === 0;
}

const short = (o: Outcome | undefined): string =>
  o === undefined ? 'nothing' : 'error' in o ? `error ${o.error.code} '${o.error.message.replace(/'[^']*'/g, "'…'")}'` : 'ok';

/** libvirt looked for a disk's image on the host, where virtwire's test driver looks in its simulated storage. */
const notARegularFile = (libvirt: Outcome | undefined) =>
  libvirt !== undefined && 'error' in libvirt && libvirt.error.message.endsWith('is not a regular file; refusing to generate external snapshot name');

/**
 * True when step `at` asks for an external memory or disk target, or an earlier one did and libvirt
 * accepted it: libvirt 9.0's test driver records such a snapshot and changes nothing, virtwire's
 * makes it over its simulated storage as the qemu driver would (overlays, qemu's selection rules
 * such as no mixing of internal and external targets, the pending definition; deviations.json
 * `snap-create-external/*`).
 */
function fromExternalSnapshot(steps: readonly RawStep[], libvirt: readonly Outcome[], at: number): boolean {
  const external = ([op, , xml]: RawStep) => op === 'virDomainSnapshotCreateXML' && String(xml).includes("snapshot='external'");
  return external(steps[at]!) || steps.slice(0, at).some((step, i) => external(step) && 'result' in libvirt[i]!);
}

/**
 * True when an earlier step reverted with RUNNING or PAUSED on both sides: to a shut-off snapshot,
 * libvirt 9.0's test driver leaves the domain off where virtwire's starts it (deviations.json,
 * `snap-revert-start/*`), and the sequences do not know which snapshots are shut off.
 */
function afterStartingRevert(steps: readonly RawStep[], libvirt: readonly Outcome[], virtwire: readonly Outcome[], at: number): boolean {
  return steps
    .slice(0, at)
    .some(([op, , flags], i) => op === 'virDomainRevertToSnapshot' && ((flags as number) & 3) !== 0 && 'result' in libvirt[i]! && 'result' in virtwire[i]!);
}

/** The first divergence of a case, or undefined when every step agrees. */
export function firstDivergence(steps: readonly RawStep[], libvirt: readonly Outcome[], virtwire: readonly Outcome[]): Divergence | undefined {
  for (let at = 0; at < steps.length; at++) {
    const l = libvirt[at];
    const v = virtwire[at];
    if (stable(l) === stable(v)) continue;
    const step = steps[at]!;
    const [op] = step;
    const kind =
      refusedSupersetFlags(op, l) || notARegularFile(l)
        ? 'superset'
        : afterStartingRevert(steps, libvirt, virtwire, at) || fromExternalSnapshot(steps, libvirt, at)
          ? 'differs'
          : 'undocumented';
    const outcome = l && v && 'result' in l && 'result' in v ? 'results differ' : `libvirt ${short(l)} / virtwire ${short(v)}`;
    return { at, step, libvirt: l, virtwire: v, kind, className: `${op}: ${outcome}` };
  }
  return undefined;
}
