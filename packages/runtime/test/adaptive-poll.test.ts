// AdaptivePoll's window: grows on near misses, drops on long gaps, spins only while wanted and within the window.
import { describe, expect, it } from 'vitest';
import { AdaptivePoll } from '../src/adaptive-poll.js';

/** A manual clock and event loop around one AdaptivePoll, with a settable CPU count. */
function harness(maxMs: number, wanted: () => boolean = () => true) {
  let clock = 0;
  let queued: Array<() => void> = [];
  const cpu = { count: 2, reads: 0 };
  const cpus = () => {
    cpu.reads++;
    return cpu.count;
  };
  const poll = new AdaptivePoll(
    maxMs,
    (callback) => queued.push(callback),
    () => clock,
    cpus,
    wanted,
  );
  /** Runs loop turns, each `stepMs` long, until nothing is scheduled; returns how many ran (the spin's turns). */
  const drain = (stepMs: number): number => {
    let turns = 0;
    while (queued.length > 0) {
      const now = queued;
      queued = [];
      for (const callback of now) {
        turns++;
        clock += stepMs;
        callback();
      }
    }
    return turns;
  };
  /** `count` request/reply exchanges answered `gapMs` later, then the spinning they left running. */
  const exchange = (count: number, gapMs: number): void => {
    for (let i = 0; i < count; i++) {
      poll.sent();
      clock += gapMs;
      poll.received();
    }
    drain(0.001);
  };
  return { poll, cpu, advance: (ms: number) => (clock += ms), drain, exchange };
}

describe('AdaptivePoll', () => {
  it('never spins before it has seen a short gap, and never with a zero maximum', () => {
    const off = harness(0);
    off.poll.sent();
    off.advance(0.01);
    off.poll.received();
    off.poll.sent();
    expect(off.drain(0.001)).toBe(0);
    expect(off.poll.currentWindowMs).toBe(0);

    const fresh = harness(0.2);
    fresh.poll.sent();
    expect(fresh.drain(0.001)).toBe(0);
  });

  it('doubles the window from 4 µs while gaps are longer than it but under the maximum, then holds it', () => {
    const { poll, advance } = harness(0.2);
    const windows: number[] = [];
    for (let i = 0; i < 8; i++) {
      poll.sent();
      advance(0.05); // every reply comes 50 µs after the request
      poll.received();
      windows.push(poll.currentWindowMs);
    }
    expect(windows.map((w) => Math.round(w * 1000))).toEqual([4, 8, 16, 32, 64, 64, 64, 64]);
  });

  it('drops the window to zero after a gap longer than the maximum (an idle or busy peer costs no spinning)', () => {
    const { poll, advance, exchange } = harness(0.2);
    exchange(6, 0.05);
    expect(poll.currentWindowMs).toBeGreaterThan(0);
    advance(5);
    poll.received();
    expect(poll.currentWindowMs).toBe(0);
  });

  it('spins for about the window after the last activity, and stops early when no longer wanted', () => {
    let wanted = true;
    const h = harness(0.2, () => wanted);
    h.exchange(7, 0.1);
    expect(h.poll.currentWindowMs).toBeCloseTo(0.128, 6);
    h.poll.sent();
    expect(h.drain(0.001)).toBe(128); // one turn per simulated µs until the window has passed

    h.poll.sent();
    wanted = false;
    expect(h.drain(0.001)).toBe(1); // the first turn sees it is not wanted and stops
  });

  it('does not spin while the process may run on one CPU only, and re-reads the count every 100 ms', () => {
    const h = harness(0.2);
    h.exchange(7, 0.1);
    expect(h.poll.currentWindowMs).toBeGreaterThan(0);
    h.cpu.count = 1; // e.g. `taskset -c 0` applied to the running process
    h.advance(101);
    h.poll.sent();
    expect(h.drain(0.001)).toBe(0);
    const reads = h.cpu.reads;
    h.poll.sent();
    h.drain(0.001);
    expect(h.cpu.reads).toBe(reads); // cached within 100 ms
    h.cpu.count = 2;
    h.advance(101);
    h.poll.sent();
    expect(h.drain(0.001)).toBeGreaterThan(0);
  });

  it('stops and pauses for 100 ms when a turn of the spin took over 1 ms (preempted: the CPUs are contended), then starts over', () => {
    const h = harness(0.2);
    h.exchange(7, 0.1);
    expect(h.poll.currentWindowMs).toBeCloseTo(0.128, 6);
    h.poll.sent();
    expect(h.drain(2)).toBe(1); // the process did not run for 2 ms: stop at once
    expect(h.poll.currentWindowMs).toBe(0);
    h.exchange(5, 0.1);
    expect(h.poll.currentWindowMs).toBe(0); // paused: quick gaps do not grow the window
    h.advance(100);
    h.exchange(1, 0.1);
    expect(h.poll.currentWindowMs).toBeCloseTo(0.004, 6);
  });

  it('keeps a single spin going however many messages pass during it', () => {
    const h = harness(0.2);
    h.exchange(7, 0.1);
    h.poll.sent();
    h.poll.sent();
    h.poll.received();
    expect(h.drain(0.001)).toBe(128);
  });
});
