// Virtual CPU time: a node's events wait while it is busy or stalled, the lab's never do, a timer
// cleared while it waited stays cleared, and the costs come from the seed (same seed, same costs).
import { describe, expect, it } from 'vitest';
import { defaultCpuModel, freeCpuModel, SimClock, SimCpu, SimLoop, SimProcess } from './index.js';
import type { CpuModel } from './index.js';

/** Every event takes exactly 10 virtual ms of its process's CPU. */
const tenMs: CpuModel = { eventMsMean: 0, stallChance: 1, stallMsMin: 10, stallTail: 1e9, stallMsMax: 10 };

describe('virtual CPU time', () => {
  it('runs a busy process\'s events once it is free, in their order, and charges the lab nothing', async () => {
    const loop = new SimLoop({ seed: 1, cpu: tenMs });
    const node = new SimProcess('b1');
    const ran: string[] = [];
    await loop.run(async () => {
      for (const name of ['first', 'second', 'third']) loop.at(1, node, name, () => ran.push(`${name}@${loop.now}`));
      loop.at(2, undefined, 'lab', () => ran.push(`lab@${loop.now}`));
      await loop.sleep(50);
    });
    expect(ran).toEqual(['first@1', 'lab@2', 'second@11', 'third@21']);
    expect(node.busyUntil).toBe(31);
  });

  it('keeps a timer cleared while it waited for the CPU cleared', async () => {
    const loop = new SimLoop({ seed: 1, cpu: tenMs });
    const node = new SimProcess('b1');
    const clock = new SimClock(loop, node);
    const ran: string[] = [];
    await loop.run(async () => {
      clock.setTimeout(() => ran.push('busy'), 1);
      const timer = clock.setTimeout(() => ran.push('cleared'), 2);
      loop.at(5, undefined, '', () => clock.clearTimeout(timer));
      await loop.sleep(50);
    });
    expect(ran).toEqual(['busy']);
  });

  it('draws costs from the seed alone: the same seed gives the same costs, with stalls in the tail', () => {
    const costs = (seed: number): number[] => {
      const cpu = new SimCpu(seed, defaultCpuModel);
      return Array.from({ length: 20_000 }, () => cpu.costMs());
    };
    const first = costs(5);
    expect(costs(5)).toEqual(first);
    expect(costs(6)).not.toEqual(first);
    const sorted = [...first].sort((a, b) => a - b);
    const mean = first.reduce((sum, ms) => sum + ms, 0) / first.length;
    // Most events cost a fraction of a millisecond; about 0.4 % are stalls of 2 ms or more, a few past 600 ms.
    expect(sorted[Math.floor(0.5 * sorted.length)]).toBeLessThan(1);
    expect(first.filter((ms) => ms >= defaultCpuModel.stallMsMin).length).toBeGreaterThan(40);
    expect(Math.max(...first)).toBeLessThanOrEqual(defaultCpuModel.stallMsMax);
    expect(mean).toBeGreaterThan(defaultCpuModel.eventMsMean);
    expect(new SimCpu(5, freeCpuModel).costMs()).toBe(0);
  });
});
