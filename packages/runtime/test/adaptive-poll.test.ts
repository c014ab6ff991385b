// AdaptivePoll's window: covers the gaps it sees, drops on long gaps, spins only while wanted, within the window and while a CPU is free.
import { describe, expect, it } from 'vitest';
import { AdaptivePoll } from '../src/adaptive-poll.js';

/** A manual clock and event loop around one AdaptivePoll, with a settable CPU count and /proc/loadavg. */
function harness(maxMs: number, wanted: () => boolean = () => true) {
  let clock = 0;
  let queued: Array<() => void> = [];
  const machine = { cpus: 2, cpuReads: 0, runnable: 1 as number | 'no file', loadReads: 0 };
  const poll = new AdaptivePoll(
    maxMs,
    {
      nextTurn: (callback) => queued.push(callback),
      now: () => clock,
      cpus: () => {
        machine.cpuReads++;
        return machine.cpus;
      },
      loadavg: () => {
        machine.loadReads++;
        if (machine.runnable === 'no file') throw new Error('ENOENT: /proc/loadavg');
        return `0.52 0.58 0.59 ${machine.runnable}/412 12345\n`;
      },
    },
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
  return { poll, machine, advance: (ms: number) => (clock += ms), drain, exchange };
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

  it('widens the window to twice a gap longer than it (at least 4 µs, at most the maximum), then holds it', () => {
    const { poll, advance } = harness(0.2);
    const windows: number[] = [];
    for (const gap of [0.05, 0.05, 0.001, 0.03, 0.15, 0.05]) {
      poll.sent();
      advance(gap);
      poll.received();
      windows.push(Math.round(poll.currentWindowMs * 1000));
    }
    expect(windows).toEqual([100, 100, 100, 100, 200, 200]);
    const small = harness(0.2);
    small.exchange(2, 0.001);
    expect(small.poll.currentWindowMs).toBeCloseTo(0.004, 6);
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
    h.exchange(3, 0.08);
    expect(h.poll.currentWindowMs).toBeCloseTo(0.16, 6);
    h.poll.sent();
    expect(h.drain(0.001)).toBeCloseTo(160, -0.5); // one turn per simulated µs until the window has passed

    h.poll.sent();
    wanted = false;
    expect(h.drain(0.001)).toBe(1); // the first turn sees it is not wanted and stops
  });

  it('does not spin while the process may run on one CPU only, and re-reads the count every 100 ms', () => {
    const h = harness(0.2);
    h.exchange(3, 0.1);
    expect(h.poll.currentWindowMs).toBeGreaterThan(0);
    h.machine.cpus = 1; // e.g. `taskset -c 0` applied to the running process
    h.advance(101);
    h.poll.sent();
    expect(h.drain(0.001)).toBe(0);
    const reads = h.machine.cpuReads;
    h.poll.sent();
    h.drain(0.001);
    expect(h.machine.cpuReads).toBe(reads); // cached within 100 ms
    h.machine.cpus = 2;
    h.advance(101);
    h.poll.sent();
    expect(h.drain(0.001)).toBeGreaterThan(0);
  });

  it('does not spin while the machine has more runnable tasks than CPUs, re-reading /proc/loadavg 1 ms after a busy reading', () => {
    const h = harness(0.2);
    h.exchange(3, 0.1);
    h.advance(11);
    h.machine.runnable = 3; // this process, its peer and one more task on 2 CPUs
    h.poll.sent();
    expect(h.drain(0.001)).toBe(0);
    const reads = h.machine.loadReads;
    h.advance(0.5);
    h.poll.sent();
    expect(h.drain(0.001)).toBe(0);
    expect(h.machine.loadReads).toBe(reads); // cached within 1 ms
    h.machine.runnable = 2; // this process and a spinning peer: room enough
    h.advance(0.6);
    h.poll.sent();
    expect(h.drain(0.001)).toBeCloseTo(200, -0.5);
    expect(h.machine.loadReads).toBe(reads + 1);
    h.machine.runnable = 4;
    h.advance(5);
    h.poll.sent();
    expect(h.drain(0.001)).toBeCloseTo(200, -0.5); // a reading with room holds for 10 ms
    expect(h.machine.loadReads).toBe(reads + 1);
  });

  it('stops a spin under way when the machine fills up', () => {
    const h = harness(50);
    h.poll.sent();
    h.advance(20);
    h.poll.received(); // a window of 40 ms, and a spin under way
    h.machine.runnable = 5;
    // turns of 0.25 ms: the load is re-read once over 10 ms have passed since the read that started the spin
    expect(h.drain(0.25)).toBe(41);
  });

  it('spins by its own turns where /proc/loadavg cannot be read, and stops asking', () => {
    const h = harness(0.2);
    h.machine.runnable = 'no file';
    h.exchange(3, 0.1);
    h.poll.sent();
    expect(h.drain(0.001)).toBeCloseTo(200, -0.5);
    const reads = h.machine.loadReads;
    h.advance(11);
    h.poll.sent();
    h.drain(0.001);
    expect(h.machine.loadReads).toBe(reads);
  });

  it('pauses for 100 ms when over 20 ms of spinning more than a quarter went in long turns (preempted), then starts over', () => {
    const h = harness(0.2);
    h.exchange(3, 0.1);
    // each spin: one turn of 0.6 ms, in which the process did not run
    for (let i = 0; i < 40 && h.poll.currentWindowMs > 0; i++) {
      h.poll.sent();
      h.drain(0.6);
    }
    expect(h.poll.currentWindowMs).toBe(0);
    h.exchange(5, 0.1);
    expect(h.poll.currentWindowMs).toBe(0); // paused: quick gaps do not widen the window
    h.advance(100);
    h.exchange(2, 0.1);
    expect(h.poll.currentWindowMs).toBeCloseTo(0.2, 6);
  });

  it('does not pause for a lone long turn (a garbage collection) among short ones', () => {
    const h = harness(0.2);
    h.exchange(3, 0.1);
    h.poll.sent();
    h.drain(3); // one turn of 3 ms
    for (let i = 0; i < 150; i++) {
      h.poll.sent();
      h.drain(0.001); // 200 turns of 1 µs: 0.2 ms of spinning
    }
    expect(h.poll.currentWindowMs).toBeCloseTo(0.2, 6);
    h.poll.sent();
    expect(h.drain(0.001)).toBeCloseTo(200, -0.5);
  });

  it('keeps a single spin going however many messages pass during it', () => {
    const h = harness(0.2);
    h.exchange(3, 0.1);
    h.poll.sent();
    h.poll.sent();
    h.poll.received();
    expect(h.drain(0.001)).toBeCloseTo(200, -0.5);
  });
});
