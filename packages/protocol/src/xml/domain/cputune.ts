// `<cputune>` as libvirt 9.0 reads and writes it: pins and schedulers per vCPU and I/O thread (virDomainDefParseXML's cputune part, virDomainCputuneDefFormat).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, element, textOf, type XmlElement } from '../xml-tree.js';
import { formatBitmap, parseBitmap } from './bitmap.js';
import { canonicalResctrls } from './resctrl.js';
import { enumAttribute } from './xml-enum.js';
import { propUInt } from './xml-prop.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const internal = (message: string) => VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);

/** The scalar tunables, in virDomainCputuneDefFormat's order. */
const SCALARS = ['shares', 'period', 'quota', 'global_period', 'global_quota', 'emulator_period', 'emulator_quota', 'iothread_period', 'iothread_quota'];
/** virProcessSchedPolicy without `none`. */
const POLICIES: ReadonlySet<string> = new Set(['batch', 'idle', 'fifo', 'rr']);

/** A CPU set attribute: present, parsed, not empty (in libvirt's form). */
function cpuset(el: XmlElement, what: string): string {
  const text = el.attributes.get('cpuset');
  if (text === undefined) throw internal(`missing cpuset for ${what}`);
  const bits = parseBitmap(text);
  if (bits.length === 0) throw unsupported(`Invalid value of 'cpuset': ${text}`);
  return formatBitmap(bits);
}

/** virDomainSchedulerParseCommonAttrs: the policy, and a priority for the real-time ones. */
function policy(el: XmlElement): { scheduler: string; priority?: string } {
  const scheduler = enumAttribute(el, 'scheduler', POLICIES, true)!;
  if (scheduler !== 'fifo' && scheduler !== 'rr') return { scheduler };
  const given = el.attributes.get('priority');
  if (given === undefined) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Missing required attribute 'priority' in element '${el.name}'`);
  if (!/^\s*[+-]?\d+$/.test(given) || Math.abs(Number(given)) > 0x7fffffff) {
    throw VirError.report(
      ErrorNumber.XmlError,
      ErrorDomain.Xml,
      `Invalid value for attribute 'priority' in element '${el.name}': '${given}'. Expected integer value`,
    );
  }
  return { scheduler, priority: String(Number(given)) };
}

/**
 * virDomainThreadSchedParseHelper for every `<vcpusched>` or `<iothreadsched>`: each names a set of
 * threads that exist and no other element named; the result is one scheduler per thread id.
 */
function schedulers(els: XmlElement[], attribute: string, exists: (id: number) => boolean, missing: (id: number) => VirError) {
  const out = new Map<number, { scheduler: string; priority?: string }>();
  for (const el of els) {
    const text = el.attributes.get(attribute);
    if (text === undefined) throw xmlError(`Missing attribute '${attribute}' in element '${el.name}'`);
    const ids = parseBitmap(text);
    if (ids.length === 0) throw unsupported(`'${attribute}' scheduler bitmap '${text}' is empty`);
    const sched = policy(el);
    for (const id of ids) {
      if (!exists(id)) throw missing(id);
      if (out.has(id)) throw VirError.report(ErrorNumber.XmlDetail, ErrorDomain.Domain, `'${el.name}' attributes '${attribute}' must not overlap`);
      out.set(id, sched);
    }
  }
  return out;
}

/**
 * The canonical `<cputune>` of a domain with `vcpus` vCPUs and these I/O thread ids: scalars in
 * libvirt's order, vCPU pins by vCPU (pins of missing vCPUs ignored, as libvirt does), the emulator
 * pin, I/O thread pins in I/O thread order, then schedulers (emulator, one per vCPU, one per I/O
 * thread), then cache and memory tunes (resctrl.ts). Undefined when nothing is left.
 */
export function canonicalCputune(cputune: XmlElement, vcpus: number, iothreadIds: readonly number[]): XmlElement | undefined {
  const children: XmlElement[] = [];
  for (const name of SCALARS) {
    const el = childElements(cputune, name)[0];
    if (el) children.push(element(name, {}, [textOf(el).trim()]));
  }
  const vcpuPins = new Map<number, string>();
  for (const el of childElements(cputune, 'vcpupin')) {
    const vcpu = propUInt(el, 'vcpu', 10, true)!;
    if (vcpu >= vcpus) continue;
    const set = cpuset(el, 'vcpupin');
    if (vcpuPins.has(vcpu)) throw internal(`duplicate vcpupin for vcpu '${vcpu}'`);
    vcpuPins.set(vcpu, set);
  }
  const emulatorPins = childElements(cputune, 'emulatorpin');
  if (emulatorPins.length > 1) throw xmlError('only one emulatorpin is supported');
  const emulatorPin = emulatorPins[0] && cpuset(emulatorPins[0], 'emulatorpin');
  const threadPins = new Map<number, string>();
  for (const el of childElements(cputune, 'iothreadpin')) {
    const id = propUInt(el, 'iothread', 10, true)!;
    if (!iothreadIds.includes(id)) throw unsupported(`Cannot find 'iothread' : ${id}`);
    const set = cpuset(el, 'iothreadpin');
    if (threadPins.has(id)) throw internal(`duplicate iothreadpin for same iothread '${id}'`);
    threadPins.set(id, set);
  }
  const vcpuScheds = schedulers(
    childElements(cputune, 'vcpusched'),
    'vcpus',
    (id) => id < vcpus,
    (id) => unsupported(`vCPU '${id}' is not present in domain definition`),
  );
  const threadScheds = schedulers(
    childElements(cputune, 'iothreadsched'),
    'iothreads',
    (id) => iothreadIds.includes(id),
    (id) => unsupported(`Cannot find 'iothread' : ${id}`),
  );
  const emulatorScheds = childElements(cputune, 'emulatorsched');
  if (emulatorScheds.length > 1) throw xmlError('only one emulatorsched is supported');
  const emulatorSched = emulatorScheds[0] && policy(emulatorScheds[0]);

  for (const [vcpu, set] of [...vcpuPins].sort((a, b) => a[0] - b[0])) children.push(element('vcpupin', { vcpu: String(vcpu), cpuset: set }));
  if (emulatorPin !== undefined) children.push(element('emulatorpin', { cpuset: emulatorPin }));
  for (const id of iothreadIds) {
    const set = threadPins.get(id);
    if (set !== undefined) children.push(element('iothreadpin', { iothread: String(id), cpuset: set }));
  }
  if (emulatorSched) children.push(element('emulatorsched', emulatorSched));
  for (const [vcpu, sched] of [...vcpuScheds].sort((a, b) => a[0] - b[0])) children.push(element('vcpusched', { vcpus: String(vcpu), ...sched }));
  for (const id of iothreadIds) {
    const sched = threadScheds.get(id);
    if (sched) children.push(element('iothreadsched', { iothreads: String(id), ...sched }));
  }
  children.push(...canonicalResctrls(cputune, vcpus));
  return children.length > 0 ? element('cputune', {}, children) : undefined;
}
