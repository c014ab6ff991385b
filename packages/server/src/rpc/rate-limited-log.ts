// Bounds what one client (a connection, or a peer before it has one) can write to the daemon's log: a burst, then a steady trickle, with a count of what was held back.
import type { Logger } from 'pino';
import { TokenBucket } from '../transport/token-bucket.js';

/** Log entries one client may cause at once, and per second after that. */
export const LOG_BURST = 50;
export const LOG_ENTRIES_PER_SECOND = 5;

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/**
 * A logger that lets through {@link LOG_BURST} entries, then {@link LOG_ENTRIES_PER_SECOND} a
 * second, for everything logged through it and its children (a driver's `call.log` included).
 * Entries held back are counted; the next entry that passes carries `suppressed: N`. So a client
 * that makes the daemon log on every call (a stack trace per internal error) writes a bounded
 * trickle, whatever its call rate.
 */
export function rateLimitedLogger(log: Logger, bucket = new TokenBucket(LOG_ENTRIES_PER_SECOND, LOG_BURST)): Logger {
  return wrap(log, { bucket, suppressed: 0 });
}

/** What a logger and its children share: one bucket, one count of held-back entries. */
interface SharedState {
  readonly bucket: TokenBucket;
  suppressed: number;
}

function wrap(log: Logger, state: SharedState): Logger {
  return new Proxy(log, {
    get(target, property, receiver) {
      if (property === 'child') {
        return (...args: Parameters<Logger['child']>) => wrap(target.child(...args) as unknown as Logger, state);
      }
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !LEVELS.has(property) || typeof value !== 'function') {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      const method = value as (...a: unknown[]) => void;
      return (...args: unknown[]) => {
        if (!target.isLevelEnabled(property)) return;
        if (!state.bucket.take()) {
          state.suppressed++;
          return;
        }
        if (state.suppressed > 0) {
          target.warn({ suppressed: state.suppressed }, 'log entries from this client were held back (rate limit)');
          state.suppressed = 0;
        }
        method.apply(target, args);
      };
    },
  });
}

/**
 * The same bound per key (a peer's address before it has a connection), over at most `maxKeys`
 * keys; the least recently used is forgotten first.
 */
export class KeyedLogLimiter {
  private readonly loggers = new Map<string, Logger>();

  constructor(
    private readonly log: Logger,
    private readonly maxKeys = 1024,
  ) {}

  /** The logger for `key`. */
  for(key: string): Logger {
    let logger = this.loggers.get(key);
    if (logger) {
      this.loggers.delete(key);
    } else {
      logger = rateLimitedLogger(this.log);
      if (this.loggers.size >= this.maxKeys) this.loggers.delete(this.loggers.keys().next().value!);
    }
    this.loggers.set(key, logger);
    return logger;
  }
}
