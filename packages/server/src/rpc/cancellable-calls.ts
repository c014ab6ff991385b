// The write calls of one connection that a `$/cancelRequest` notification can reach, by JSON-RPC id, while they run.
import type { CancelRequestParams } from '@virtwire/protocol';

/**
 * In-flight write calls of one connection (the only calls that take a domain job), each with the
 * AbortSignal its job listens to. Holds only calls that are running (so no more than the
 * connection's in-flight bound); a cancel for an id
 * that is not running is ignored, as JSON-RPC cancellation is advisory. Two calls running under the
 * same id (which JSON-RPC forbids) share one entry: the later one.
 */
export class CancellableCalls {
  private readonly running = new Map<string, AbortController>();

  /** A call with `id` starts: its signal, and the function that forgets it when it ends. */
  begin(id: string | number): { signal: AbortSignal; end: () => void } {
    const key = JSON.stringify(id);
    const controller = new AbortController();
    this.running.set(key, controller);
    return {
      signal: controller.signal,
      end: () => {
        if (this.running.get(key) === controller) this.running.delete(key);
      },
    };
  }

  /** `$/cancelRequest`: aborts the signal of the running call its params name (anything else is ignored). */
  cancel(params: unknown): void {
    const id = (params as Partial<CancelRequestParams> | null | undefined)?.id;
    if (typeof id !== 'string' && typeof id !== 'number') return;
    this.running.get(JSON.stringify(id))?.abort();
  }

  /** Calls running (for tests and diagnostics). */
  get size(): number {
    return this.running.size;
  }
}
