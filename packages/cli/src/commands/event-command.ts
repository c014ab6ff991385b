// `event`: lists event types or waits for domain events, printing virsh's lines (libvirt 9.0's virsh-domain-event.c) and virtwire's snapshot events.
import { domainEventNames, type Domain, type DomainEventParams, type DomainEventSubscription } from '@virtwire/client';
import { type CommandDefinition, switchOption } from '../shell/command-definition.js';
import { CommandError, ReportedFailure } from '../shell/shell-errors.js';
import { formatDomainEvent } from '../format/domain-event-lines.js';
import { lookupDomain } from './domain-argument.js';

/** Largest `--timeout` virsh accepts (vshCommandOptTimeoutToMs: seconds that fit an int of milliseconds). */
const MAX_TIMEOUT_SECONDS = Math.floor(0x7fffffff / 1000);

/** How the wait ended (virsh's vshEventWait results). */
type WaitEnd = 'done' | 'timeout' | 'interrupt' | 'closed';

/** `event [--domain D] [--event NAME] [--all] [--loop] [--timeout SECONDS] [--list] [--timestamp]`. */
export const eventCommand: CommandDefinition = {
  name: 'event',
  group: 'events',
  summary: 'Domain Events',
  description: 'List event types, or wait for domain events to occur',
  options: [
    { name: 'domain', type: 'string', namedOnly: true, help: 'filter by domain name, id or uuid' },
    { name: 'event', type: 'string', namedOnly: true, help: 'which event type to wait for' },
    switchOption('all', 'wait for all events instead of just one type'),
    switchOption('loop', 'loop until timeout or interrupt, rather than one-shot'),
    { name: 'timeout', type: 'string', namedOnly: true, help: 'timeout seconds' },
    switchOption('list', 'list valid event types'),
    switchOption('timestamp', 'show timestamp for each printed event'),
  ],
  async run({ connection, out }, options) {
    for (const [a, b] of [
      ['all', 'event'],
      ['list', 'all'],
      ['list', 'event'],
    ] as const) {
      if (options.has(a) && options.has(b)) throw new CommandError(`Options --${a} and --${b} are mutually exclusive`);
    }
    if (options.has('list')) {
      for (const [name] of domainEventNames) out.print(`${name}\n`);
      return;
    }
    const eventName = options.string('event');
    const all = options.has('all');
    if (eventName === undefined && !all) throw new CommandError('one of --list, --all, or --event <type> is required');
    const ids = domainEventNames.filter(([name]) => eventName === undefined || name === eventName).map(([, id]) => id);
    if (ids.length === 0) throw new CommandError(`unknown event type ${eventName}`);
    const timeoutMs = parseTimeout(options.string('timeout'));
    const domainText = options.string('domain');
    const domain: Domain | undefined = domainText === undefined ? undefined : await lookupDomain(connection, domainText);

    const loop = options.has('loop');
    const timestamp = options.has('timestamp');
    let count = 0;
    let finish: (end: WaitEnd) => void = () => undefined;
    const ended = new Promise<WaitEnd>((resolve) => (finish = resolve));
    const print = (event: DomainEventParams) => {
      // virshEventPrint: one-shot prints only the first event, then the wait ends
      if (!loop && count > 0) return;
      const line = formatDomainEvent(event, nameOf(event.eventID));
      out.print(timestamp ? `${timestampNow()}: ${line}` : line);
      count++;
      if (!loop) finish('done');
    };
    const subscriptions: DomainEventSubscription[] = [];
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish('timeout'), timeoutMs);
    const onInterrupt = () => finish('interrupt');
    process.once('SIGINT', onInterrupt);
    const stopOnClose = connection.onClose(() => finish('closed'));
    try {
      for (const [index, id] of ids.entries()) {
        try {
          const subscription = await connection.domainEventRegisterAny(id, domain ?? null);
          subscription.on(print);
          subscriptions.push(subscription);
        } catch (error) {
          // As virsh: with --all, a later id the daemon does not know is skipped.
          if (index === 0) throw error;
        }
      }
      const end = await ended;
      if (end === 'closed') throw new CommandError('connection closed while waiting for events');
      if (end === 'interrupt') out.print('event loop interrupted\n');
      if (end === 'timeout') out.print('event loop timed out\n');
      out.print(`events received: ${count}\n`);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      process.off('SIGINT', onInterrupt);
      stopOnClose();
      await Promise.all(subscriptions.map((s) => s.close().catch(() => undefined)));
    }
    if (count === 0) throw new ReportedFailure();
  },
};

/** The virsh name of an event id (`snapshot` for virtwire's, 1000). */
function nameOf(eventID: number): string {
  return domainEventNames.find(([, id]) => id === eventID)?.[0] ?? String(eventID);
}

/** `--timeout`: whole seconds, 1 or more (virsh's vshCommandOptTimeoutToMs), as milliseconds. */
function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = /^\s*\+?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new CommandError(`Numeric value '${text}' for <timeout> option is malformed or out of range`);
  }
  return seconds * 1000;
}

/** virTimeStringNowRaw: `YYYY-MM-DD HH:MM:SS.mmm+0000`, in UTC. */
function timestampNow(): string {
  const iso = new Date().toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}+0000`;
}
