// The sender's reconnect pacing: exponential, capped, jittered by the node's seeded PRNG, so a seed
// replays it. Run: `npx vitest run lab/systems/bank/propagation/sender.test.ts`.
import { describe, expect, it } from 'vitest';
import { NodeRandom } from '../random.js';
import { reconnectBackoffMsInitial, reconnectBackoffMsMax, reconnectDelayMs } from './sender.js';

function delays(seed: string, failures: number[]): number[] {
  const random = new NodeRandom('b1', seed).stream('propagate/b2');
  return failures.map((count) => reconnectDelayMs(count, random));
}

describe('reconnectDelayMs', () => {
  it('doubles from the initial backoff up to the cap, jittered into the upper half of each ceiling', () => {
    for (const [failures, ceiling] of [[0, 100], [1, 200], [2, 400], [3, 800], [4, 1_000], [30, 1_000]] as const) {
      expect(reconnectDelayMs(failures, () => 0)).toBe(ceiling / 2);
      expect(reconnectDelayMs(failures, () => 0.999_999)).toBeCloseTo(ceiling, 0);
    }
    expect(reconnectDelayMs(0, () => 0)).toBe(reconnectBackoffMsInitial / 2);
    expect(reconnectDelayMs(1_000, () => 1)).toBe(reconnectBackoffMsMax);
  });

  it('is the same sequence for the same seed and another for another seed', () => {
    const failures = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(delays('7/b1/propagate/b2', failures)).toEqual(delays('7/b1/propagate/b2', failures));
    expect(delays('7/b1/propagate/b2', failures)).not.toEqual(delays('8/b1/propagate/b2', failures));
    for (const delay of delays('9', failures)) {
      expect(delay).toBeGreaterThanOrEqual(reconnectBackoffMsInitial);
      expect(delay).toBeLessThanOrEqual(reconnectBackoffMsMax);
    }
  });
});
