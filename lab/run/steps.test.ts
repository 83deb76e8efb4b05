// Step boundaries: the lab knows which ones change a fault, so it lets the last step's updates land
// before those (and only those) instead of racing the change.
import { describe, expect, it } from 'vitest';
import type { FaultStep } from '../plan/index.js';
import { unsafePropagationDelayMs } from '../systems/bank/index.js';
import { faultSettleMs, faultsActiveAcross, faultsChangeAt } from './steps.js';

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
