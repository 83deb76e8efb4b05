// crdt:escrow in the simulator, on one hand-written plan: a withdrawal beyond the branch's own share
// succeeds once the peer grants it rights (both connected), and one that needs the peer's rights is
// refused, definitely (ABORTED), while a partition cuts the peer off; the other side spends the rights
// it holds meanwhile, nothing overdraws, and the replicas converge. Fixed plan and seed (root 0, run 0).
import { describe, expect, test } from 'vitest';
import { defaultPlanConstraints, runSeeds } from '../lab/plan/index.js';
import type { Plan, PlanOp } from '../lab/plan/index.js';
import { propertyFailure } from '../lab/report/index.js';
import { trial } from '../lab/run/index.js';
import { simPool } from './_testing/sim.js';

const withdraw = (branch: 'b1' | 'b2', amount: number, requestId: string): PlanOp => ({ f: 'withdraw', client: 0, branch, retries: 0, account: 'a1', amount, requestId });

/** a1 holds 100 over b1 and b2: each branch's share is 50. */
const plan: Plan = {
  version: 1,
  seed: 0,
  path: '0',
  constraints: defaultPlanConstraints,
  workload: {
    branches: ['b1', 'b2'],
    accounts: [{ account: 'a1', balance: 100 }],
    clients: 1,
    steps: [
      // Beyond b1's share of 50: b1 asks b2 for 30 of b2's rights.
      [withdraw('b1', 80, 'w1')],
      // Cut off, b2 still spends the 20 it holds rights to...
      [withdraw('b2', 15, 'w2')],
      // ...and b1, with no rights left and b2 out of reach, refuses although it believes 20 are there.
      [withdraw('b1', 10, 'w3')],
      [{ f: 'query', client: 0, branch: 'b1', retries: 0, account: 'a1' }],
    ],
  },
  faultSchedule: [
    { atStep: 1, healAtStep: 3, fault: { kind: 'partition', mode: 'symmetric', from: ['b1'], to: ['b2'], links: ['b1-b2', 'b2-b1'] } },
  ],
};

describe('sim: escrow rights move between connected branches and not across a partition (fixed plan)', () => {
  test('w1 succeeds with b2\'s rights, w2 spends b2\'s own, w3 is refused (ABORTED) under the partition', async () => {
    const pool = simPool('crdt:escrow');
    try {
      const { result } = await trial(plan, runSeeds(0, 0), { pool, limits: {}, artifactsRoot: null, shrink: false });
      expect(result.verdict, propertyFailure(result)).toBe('ok');
      const completions = result.history.filter((event) => event.type !== 'invoke');
      const outcome = (requestId: string) => completions.find((event) => (event.value as { requestId?: string }).requestId === requestId);
      expect(outcome('w1')).toMatchObject({ type: 'ok', value: { applied: true, balance: 20 } });
      expect(outcome('w2')).toMatchObject({ type: 'ok', value: { applied: true } });
      expect(outcome('w3')).toMatchObject({ type: 'fail' });
      expect(outcome('w3')?.error).toMatch(/^ABORTED: escrow: b1 holds rights to 0 of a1's 20 and could not reach b2/);
      for (const state of result.finalStates) expect(state.accounts.a1?.balance, state.branch).toBe(5);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
