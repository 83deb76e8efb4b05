// Virtual CPU time: a node's events wait while it is busy or stalled, the lab's never do, a timer
// cleared while it waited stays cleared, and a process's stalls come from the seed and its name
// alone, at the same virtual times however often it asks (so a shrunk plan keeps them).
import { describe, expect, it } from 'vitest';
import { defaultCpuModel, ProcessCpu, SimClock, SimLoop, SimProcess } from './index.js';
import type { CpuModel } from './index.js';

const noStalls = { stallEveryMs: Infinity, stallMsMin: 0, stallTail: 1, stallMsMax: 0 };
const busy: CpuModel = { ...noStalls, eventMsMean: 10 };

describe('virtual CPU time', () => {
  it('runs a busy process\'s events once it is free, in their order, and charges the lab nothing', async () => {
    const loop = new SimLoop({ seed: 1, cpu: busy });
    const node = new SimProcess('b1');
    const ran: { name: string; at: number }[] = [];
    await loop.run(async () => {
      for (const name of ['first', 'second', 'third']) loop.at(1, node, name, () => ran.push({ name, at: loop.now }));
      loop.at(1, undefined, 'lab', () => ran.push({ name: 'lab', at: loop.now }));
      await loop.sleep(500);
    });
    const nodeRuns = ran.filter((entry) => entry.name !== 'lab');
    expect(nodeRuns.map((entry) => entry.name)).toEqual(['first', 'second', 'third']);
    expect(nodeRuns[0]?.at).toBe(1);
    expect(ran.find((entry) => entry.name === 'lab')?.at).toBe(1);
    const [first, second, third] = nodeRuns.map((entry) => entry.at) as [number, number, number];
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    expect(node.busyUntil).toBeGreaterThan(third);
  });

  it('runs what a busy or stalled process postponed in the order it came due, as a stream delivers it', async () => {
    // Stalls every 20 ms or so: an event postponed to a moment that turns out stalled too is postponed
    // again, and must not fall behind one that came due after it (two messages of one stream swapped
    // places this way, and the receiver refused the stream after applying the later one).
    const stalling: CpuModel = { eventMsMean: 1, stallEveryMs: 20, stallMsMin: 2, stallTail: 0.6, stallMsMax: 200 };
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const loop = new SimLoop({ seed, cpu: stalling });
      const node = new SimProcess('b3');
      const ran: number[] = [];
      await loop.run(async () => {
        for (let index = 0; index < 400; index += 1) loop.at(index * 0.7, node, '', () => ran.push(index));
        await loop.sleep(60_000);
      });
      expect(ran).toEqual([...ran].sort((a, b) => a - b));
      expect(ran).toHaveLength(400);
    }
  });

  it('never fires a timer that a killed life of a process arms after its kill', async () => {
    // Code of the life before a kill may still run (a promise it awaited settles later); what it arms
    // then must not fire in the next life (it once wrote to a store the kill had closed).
    const loop = new SimLoop({ seed: 1, cpu: busy });
    const node = new SimProcess('b1');
    const before = new SimClock(loop, node);
    const ran: string[] = [];
    await loop.run(async () => {
      node.generation += 1; // the kill, as SimWorld does it
      const after = new SimClock(loop, node);
      before.after(() => ran.push('dead life'), 1);
      before.every(() => ran.push('dead life, repeating'), 1);
      after.after(() => ran.push('new life'), 1);
      await loop.sleep(100);
    });
    expect(ran).toEqual(['new life']);
  });

  it('keeps a timer cleared while it waited for the CPU cleared', async () => {
    // A mean of 1,000 s: the first event keeps the process busy well past the clearing.
    const loop = new SimLoop({ seed: 1, cpu: { ...noStalls, eventMsMean: 1e6 } });
    const node = new SimProcess('b1');
    const clock = new SimClock(loop, node);
    const ran: string[] = [];
    await loop.run(async () => {
      clock.after(() => ran.push('busy'), 1);
      const timer = clock.after(() => ran.push('cleared'), 2);
      loop.at(5, undefined, '', () => clock.cancel(timer));
      await loop.sleep(50);
    });
    expect(node.busyUntil).toBeGreaterThan(5);
    expect(ran).toEqual(['busy']);
  });

  it('places a process\'s stalls by its seed and name alone: the same wherever it is asked', () => {
    const count = { stalls: 0, stallMs: 0 };
    const dense = new ProcessCpu(5, 'b1', defaultCpuModel, count);
    const sparse = new ProcessCpu(5, 'b1', defaultCpuModel, { stalls: 0, stallMs: 0 });
    const other = new ProcessCpu(5, 'b2', defaultCpuModel, { stalls: 0, stallMs: 0 });
    const denseAnswers = new Map<number, number>();
    for (let at = 0; at < 1_000_000; at += 1) denseAnswers.set(at, dense.readyAt(at));
    const sparseTimes = Array.from({ length: 2_000 }, (_, index) => index * 499);
    expect(sparseTimes.map((at) => sparse.readyAt(at))).toEqual(sparseTimes.map((at) => denseAnswers.get(at)));
    expect(sparseTimes.map((at) => other.readyAt(at))).not.toEqual(sparseTimes.map((at) => denseAnswers.get(at)));
    // About one stall a 1.5 s of virtual time, each at least 2 ms, some past a 600 ms deadline.
    expect(count.stalls).toBeGreaterThan(400);
    expect(count.stalls).toBeLessThan(900);
    expect(count.stallMs / count.stalls).toBeGreaterThan(defaultCpuModel.stallMsMin);
    let longest = 0;
    for (const [at, ready] of denseAnswers) longest = Math.max(longest, ready - at);
    expect(longest).toBeGreaterThan(600);
    expect(longest).toBeLessThanOrEqual(defaultCpuModel.stallMsMax);
  });
});
