// The recorded libvirt corpus (../corpus/*.json) as typed data, and the deviations virtwire documents against it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const read = <T>(name: string): T => JSON.parse(readFileSync(fileURLToPath(new URL(`../${name}`, import.meta.url)), 'utf8')) as T;

/** One recorded virsh invocation. */
export interface VirshCase {
  id: string;
  /** 'default', a node file name, or null (argv carries its own -c). */
  host: string | null;
  argv: string[];
  files?: Record<string, string>;
  stdin?: string;
  stdout: string;
  stderr: string;
  code: number;
}

/** libvirt's virError as python-libvirt exposes it. */
export interface RecordedError {
  code: number;
  domain: number;
  level: number;
  message: string;
  str1: string | null;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
}

/** One step's outcome: a result, or an error. */
export type Outcome = { result: unknown } | { error: RecordedError };

/** `[op, target, ...args]`, op a libvirt C function name. */
export type RawStep = [string, string, ...unknown[]];

/** One recorded case of raw-flag calls. */
export interface RawCase {
  id: string;
  host: string;
  steps: RawStep[];
  outcomes: Outcome[];
}

/** One step's outcome in an event case: a result or an error, and the events the step raised. */
export type EventOutcome = Outcome & { events: Array<{ event: string; domain: string; detail: unknown[] }> };

/** One recorded event case: calls on one connection with every event id registered. */
export interface EventCase {
  id: string;
  host: string;
  steps: RawStep[];
  outcomes: EventOutcome[];
}

/** A domain definition and what libvirt's qemu driver formats back for flags 0..3 (or its error). */
export interface QemuDefinitionCase {
  id: string;
  xml: string;
  flags: number;
  formatted?: Record<string, string>;
  error?: RecordedError;
}

/** How a case that is not identical differs, and why. */
export interface Deviation {
  /** `superset`: virtwire does what libvirt refuses (or more); `differs`: a documented difference. */
  kind: 'superset' | 'differs';
  reason: string;
}

export const virshCases = read<{ cases: VirshCase[] }>('corpus/virsh.json').cases;
export const rawCases = read<{ cases: RawCase[] }>('corpus/raw-calls.json').cases;
export const eventCases = read<{ python: EventCase[] }>('corpus/events.json').python;
export const qemuDefinitionCases = read<{ cases: QemuDefinitionCase[] }>('corpus/qemu-definitions.json').cases;

/** deviations.json: every case that is not identical, by corpus and id. */
export const deviations = read<{
  virsh: Record<string, Deviation>;
  raw: Record<string, Deviation>;
  /** Event cases: the indices of the steps that differ; every other step must be identical. */
  events: Record<string, Deviation & { steps: number[] }>;
}>('deviations.json');
