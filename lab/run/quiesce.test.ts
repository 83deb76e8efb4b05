// quiesce: the final state is the one the cluster holds still in, not the first one that agrees.
import { describe, expect, it } from 'vitest';
import type { BranchState } from '../../models/index.js';
import { realClock } from '../cluster/index.js';
import { quiesce, quietMsMin, settleMs } from './quiesce.js';

function states(...balances: number[]): BranchState[] {
  return balances.map((balance, index) => ({ branch: `b${index + 1}`, accounts: { a1: { balance, version: balance } }, applied: [], deadLetters: 0, outbox: 0 }));
}

/** A cluster that answers each Snapshot with the next of these, then keeps answering the last. */
function cluster(...answers: BranchState[][]): () => Promise<BranchState[]> {
  let calls = 0;
  return async () => answers[Math.min(calls++, answers.length - 1)] as BranchState[];
}

describe('quiesce', () => {
  it('waits out a late write that lands after a first, agreeing snapshot', async () => {
    const started = performance.now();
    const outcome = await quiesce(cluster(states(89, 89), states(108, 89), states(108, 108)), 5_000, realClock);
    expect(outcome).toEqual({ states: states(108, 108), quiesced: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(settleMs);
  });

  it('gives up on branches that disagree and stay unchanged', async () => {
    const started = performance.now();
    const outcome = await quiesce(cluster(states(89, 108)), 5_000, realClock);
    expect(outcome).toEqual({ states: states(89, 108), quiesced: false });
    expect(performance.now() - started).toBeLessThan(quietMsMin + 1_000);
  });
});
