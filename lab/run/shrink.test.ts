// The shrink walk that the bank's plans and every other system's share: fast-check's tree from a
// failing path, a candidate failing only when it fails `confirmRuns` times in a row, and its budgets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkShrinkTree } from './shrink.js';

const seed = 42;
const arbitrary = fc.integer({ min: 0, max: 1_000 });

/** The path of the first generated value above 100 at this seed: where a "failing run" starts. */
function failingPath(): string {
  const details = fc.check(fc.property(arbitrary, (value) => value <= 100), { seed, endOnFailure: true });
  if (!details.failed) throw new Error('no failing value at this seed');
  return String(details.counterexamplePath?.split(':')[0]);
}

const verdictOf = (value: number): { verdict: string; value: number } => ({ verdict: value > 100 ? 'illegal' : 'ok', value });

describe(`walkShrinkTree, seed ${seed}`, () => {
  it('reaches the smallest failing value, 101, and counts every confirmation run', async () => {
    const walk = await walkShrinkTree(arbitrary, { seed, path: failingPath() }, async (value) => verdictOf(value), { shrinkRunsMax: 1_000, shrinkMsMax: 60_000, confirmRuns: 2 });
    expect(walk.lastFailing?.value).toBe(101);
    expect(walk.path).toBeDefined();
    expect(walk.budgetSpent).toBeUndefined();
    expect(walk.runs).toBeGreaterThan(2);
  });

  it('stops when the runs budget is spent, and says so', async () => {
    const walk = await walkShrinkTree(arbitrary, { seed, path: failingPath() }, async (value) => verdictOf(value), { shrinkRunsMax: 3, shrinkMsMax: 60_000, confirmRuns: 1 });
    expect(walk.runs).toBe(3);
    expect(walk.budgetSpent).toBe('runs');
  });

  it('does not take a candidate that fails only once of its confirmation runs', async () => {
    let calls = 0;
    // Every other run of a candidate passes: no candidate is confirmed, so nothing smaller is found.
    const flaky = async (value: number): Promise<{ verdict: string; value: number }> => (calls++ % 2 === 1 ? { verdict: 'ok', value } : verdictOf(value));
    const walk = await walkShrinkTree(arbitrary, { seed, path: failingPath() }, flaky, { shrinkRunsMax: 1_000, shrinkMsMax: 60_000, confirmRuns: 2 });
    expect(walk.lastFailing).toBeUndefined();
    expect(walk.path).toBeUndefined();
  });
});
