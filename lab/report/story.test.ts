// The failure story says when a shrink stopped at its budget, with the flag that raises it, and names
// only the accounts the shrunk plan's ops touch.
import { describe, expect, it } from 'vitest';
import { handRun } from '../compare/_testing/runs.js';
import { failureStory } from './story.js';

describe('failureStory', () => {
  const { result } = handRun({ index: 1, strategy: 'unsafe', verdict: 'illegal', violations: ['linearizability'], ops: [] });

  it('says the runs budget ran out, and how to raise it', () => {
    expect(failureStory(result, { runs: 100, ms: 9_000, budgetSpent: 'runs' })).toContain('the budget of 100 runs ran out, so a smaller plan may still fail: --shrink-runs raises it');
    expect(failureStory(result, { runs: 40, ms: 120_000, budgetSpent: 'time' })).toContain('--shrink-seconds raises it');
    expect(failureStory(result, { runs: 12, ms: 3_000 })).not.toContain('ran out');
  });

  it('names the accounts the ops touch and counts the others', () => {
    const plan = { ...result.plan, workload: { ...result.plan.workload, accounts: [{ account: 'a1', balance: 5 }, { account: 'a2', balance: 7 }, { account: 'a3', balance: 9 }], steps: [[{ f: 'query' as const, client: 0, branch: 'b1', retries: 0, account: 'a2' }]] } };
    expect(failureStory({ ...result, plan })).toMatch(/accounts a2=7 \(and 2 untouched\)/);
  });
});
