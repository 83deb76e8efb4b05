// Step boundaries: the lab knows which ones change a fault, so it lets the last step's updates land
// before those (and only those) instead of racing the change.
import { describe, expect, it } from 'vitest';
import { Recorder } from '../client/index.js';
import type { Nemesis } from '../nemesis/index.js';
import type { Fault, FaultStep } from '../plan/index.js';
import { unsafePropagationDelayMs } from '../systems/bank/index.js';
import type { Clock } from '../systems/index.js';
import { faultBoundary, faultSettleMs, faultsActiveAcross, faultsChangeAt } from './steps.js';
import type { SettleAfterReads } from './steps.js';

const schedule: FaultStep[] = [
  { atStep: 1, healAtStep: 3, fault: { kind: 'kill', node: 'b2' } },
  { atStep: 4, healAtStep: 4, fault: { kind: 'pause', node: 'b1' } },
];

describe('faultsChangeAt', () => {
  it('is true where a fault starts or heals, and false elsewhere', () => {
    expect([0, 1, 2, 3, 4, 5].map((step) => faultsChangeAt(step, schedule))).toEqual([false, true, false, true, true, false]);
    expect(faultsChangeAt(2, [])).toBe(false);
  });

  it('knows when no fault is left across a boundary, so the streams can come back', () => {
    expect([0, 1, 2, 3, 4, 5].map((step) => faultsActiveAcross(step, schedule))).toEqual([false, false, true, false, false, false]);
  });

  it('waits longer than unsafe holds its update back, with room for delivery on a loaded machine', () => {
    expect(faultSettleMs).toBeGreaterThanOrEqual(unsafePropagationDelayMs + 30);
  });
});

describe('faultBoundary', () => {
  const isolate: Fault = { kind: 'partition', mode: 'isolate', from: ['b2'], to: ['b1'], links: ['b2-b1', 'b1-b2', 'client-b2'] };
  const partitioned: FaultStep[] = [{ atStep: 1, healAtStep: 3, fault: isolate }, { atStep: 4, healAtStep: 5, fault: { kind: 'pause', node: 'b1' } }];
  const calls: string[] = [];
  const driver: Nemesis = {
    apply: async (index) => { calls.push(`apply ${index}`); return undefined; },
    heal: async (index) => { calls.push(`heal ${index}`); return undefined; },
    healAll: async () => undefined,
    settle: async () => { calls.push('settle'); },
  };
  const clock = { sleep: async () => undefined } as unknown as Clock;
  const boundaries = async (readsOnly: boolean[], afterReads?: SettleAfterReads): Promise<string[]> => {
    calls.length = 0;
    for (const [step, reads] of readsOnly.entries()) {
      calls.push(`${step}:`);
      if (afterReads !== undefined) afterReads.readsOnly = reads;
      await faultBoundary(step, partitioned, driver, new Recorder(1), clock, afterReads);
    }
    return [...calls];
  };

  it('settles right after the last heal, unless the step after it only reads: then at the boundary after that one', async () => {
    // Without a runner that knows its steps, and when the step after the heal writes: the settle comes at once.
    expect(await boundaries([false, false, false, false, false])).toEqual(['0:', '1:', 'apply 0', '2:', '3:', 'heal 0', 'settle', '4:', 'apply 1']);
    expect(await boundaries([false, false, false, false, false], { readsOnly: false, pending: false }))
      .toEqual(['0:', '1:', 'apply 0', '2:', '3:', 'heal 0', 'settle', '4:', 'apply 1']);
    // Step 3 reads alone: it runs while the streams come back, and boundary 4 settles before it applies anything.
    expect(await boundaries([false, false, false, true, true], { readsOnly: false, pending: false }))
      .toEqual(['0:', '1:', 'apply 0', '2:', '3:', 'heal 0', '4:', 'settle', 'apply 1']);
  });
});
