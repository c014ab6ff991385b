// The history of a Jepsen-style set test and its checks: lost, duplicated and phantom snapshots, stale lists, job overlap.
import { CallTimeoutError, ConnectionClosedError, VirError } from '@virtwire/client';
import type { JobTraceEvent } from '@virtwire/server';

/** `ok`: acknowledged; `fail`: the daemon answered with an error; `unknown`: no answer (the connection dropped). */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** One operation as a client saw it: invoked, then completed with an outcome. */
export interface Operation {
  client: number;
  kind: 'create' | 'delete' | 'lookup' | 'list';
  domain: string;
  /** The snapshot created, deleted or looked up. */
  name?: string;
  invokedAt: number;
  completedAt: number;
  outcome: Outcome;
  /** What a list returned. */
  names?: string[];
  error?: string;
}

/** Classifies a call's failure: an answer from the daemon is determinate, a lost connection or timeout is not. */
export function outcomeOf(error: unknown): { outcome: Outcome; error: string } {
  const text = error instanceof Error ? error.message : String(error);
  if (ConnectionClosedError.isInstance(error) || error instanceof CallTimeoutError) return { outcome: 'unknown', error: text };
  if (VirError.is(error)) return { outcome: 'fail', error: text };
  throw error;
}

/** What the final read may and must contain, given the history. */
export interface SetVerdict {
  lost: string[];
  phantom: string[];
  duplicated: string[];
  /** Lists that missed an acknowledged snapshot or showed one whose delete was acknowledged before the list began. */
  staleLists: string[];
  ackedCreates: number;
  ackedDeletes: number;
  indeterminate: number;
}

/**
 * Checks the final contents of each domain against the history. A snapshot whose create was
 * acknowledged and never deleted must be present; one whose delete was acknowledged, or whose create
 * failed, must be absent; indeterminate creates and deletes may land either way. Anything else is a phantom.
 */
export function checkSet(history: readonly Operation[], finalLists: ReadonlyMap<string, readonly string[]>): SetVerdict {
  const creates = new Map<string, Operation>();
  const deletes = new Map<string, Operation>();
  for (const op of history) {
    if (op.kind === 'create') creates.set(`${op.domain}/${op.name}`, op);
    if (op.kind === 'delete') deletes.set(`${op.domain}/${op.name}`, op);
  }
  const verdict: SetVerdict = { lost: [], phantom: [], duplicated: [], staleLists: [], ackedCreates: 0, ackedDeletes: 0, indeterminate: 0 };
  for (const op of history) {
    if (op.outcome === 'unknown') verdict.indeterminate++;
    if (op.outcome === 'ok' && op.kind === 'create') verdict.ackedCreates++;
    if (op.outcome === 'ok' && op.kind === 'delete') verdict.ackedDeletes++;
  }
  const present = new Set<string>();
  for (const [domain, names] of finalLists) {
    for (const name of names) {
      const key = `${domain}/${name}`;
      if (present.has(key)) verdict.duplicated.push(key);
      present.add(key);
      const create = creates.get(key);
      const deleted = deletes.get(key);
      if (!create || create.outcome === 'fail' || deleted?.outcome === 'ok') verdict.phantom.push(key);
    }
  }
  for (const [key, create] of creates) {
    const deleted = deletes.get(key);
    if (create.outcome === 'ok' && (deleted === undefined || deleted.outcome === 'fail') && !present.has(key)) verdict.lost.push(key);
  }
  verdict.staleLists = checkLists(history, creates, deletes);
  return verdict;
}

/** Each list must show the lister's own snapshots acknowledged before it began and not yet being deleted. */
function checkLists(history: readonly Operation[], creates: Map<string, Operation>, deletes: Map<string, Operation>): string[] {
  const stale: string[] = [];
  for (const list of history) {
    if (list.kind !== 'list' || list.outcome !== 'ok') continue;
    const shown = new Set(list.names);
    for (const [key, create] of creates) {
      if (create.client !== list.client || create.domain !== list.domain) continue;
      const name = create.name!;
      const deleted = deletes.get(key);
      const mustShow = create.outcome === 'ok' && create.completedAt < list.invokedAt && (deleted === undefined || deleted.invokedAt > list.completedAt);
      const mustHide = deleted?.outcome === 'ok' && deleted.completedAt < list.invokedAt;
      if ((mustShow && !shown.has(name)) || (mustHide && shown.has(name))) stale.push(`${list.client}@${list.invokedAt.toFixed(1)}: ${key}`);
    }
  }
  return stale;
}

/** What a job trace shows: the most jobs at once on one domain and overall, and how often jobs on two domains overlapped. */
export function analyseTrace(events: readonly JobTraceEvent[]): { maxPerDomain: number; maxOverall: number; crossDomainOverlaps: number; jobs: number } {
  const running = new Map<string, number>();
  let overall = 0;
  const result = { maxPerDomain: 0, maxOverall: 0, crossDomainOverlaps: 0, jobs: 0 };
  for (const event of events) {
    const count = running.get(event.domain) ?? 0;
    if (event.kind === 'acquire') {
      if (overall > count) result.crossDomainOverlaps++;
      running.set(event.domain, count + 1);
      overall++;
      result.jobs++;
      result.maxPerDomain = Math.max(result.maxPerDomain, count + 1);
      result.maxOverall = Math.max(result.maxOverall, overall);
    } else {
      running.set(event.domain, count - 1);
      overall--;
    }
  }
  return result;
}
