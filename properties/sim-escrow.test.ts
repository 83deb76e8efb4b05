// crdt:escrow in the simulator, on two hand-written plans: a withdrawal beyond the branch's own share
// succeeds once the peer grants it rights (both connected), and one that needs the peer's rights is
// refused, definitely (ABORTED), while a partition cuts the peer off; the other side spends the rights
// it holds meanwhile, nothing overdraws, and the replicas converge. A deposit is granted only once
// every branch acked it. Fixed plans and seed (root 0, run 0).
import { describe, expect, test } from 'vitest';
import { defaultPlanConstraints, runSeeds } from '../lab/plan/index.js';
import type { Plan, PlanOp } from '../lab/plan/index.js';
import { propertyFailure } from '../lab/report/index.js';
import type { RunResult } from '../lab/report/index.js';
import type { HistoryEvent } from '../models/index.js';
import { trial } from '../lab/run/index.js';
import { simPool } from './_testing/sim.js';

type Branch = 'b1' | 'b2' | 'b3';
const withdraw = (branch: Branch, amount: number, requestId: string): PlanOp => ({ f: 'withdraw', client: 0, branch, retries: 0, account: 'a1', amount, requestId });
const query = (branch: Branch): PlanOp => ({ f: 'query', client: 0, branch, retries: 0, account: 'a1' });
const deposit = (branch: Branch, amount: number, requestId: string): PlanOp => ({ f: 'deposit', client: 0, branch, retries: 0, account: 'a1', amount, requestId });

async function judged(plan: Plan): Promise<RunResult> {
  const pool = simPool('crdt:escrow');
  try {
    return (await trial(plan, runSeeds(0, 0), { pool, limits: {}, artifactsRoot: null, shrink: false })).result;
  } finally {
    await pool.close();
  }
}

function outcomeOf(result: RunResult, requestId: string): HistoryEvent | undefined {
  return result.history.find((event) => event.type !== 'invoke' && (event.value as { requestId?: string }).requestId === requestId);
}

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
    const result = await judged(plan);
    expect(result.verdict, propertyFailure(result)).toBe('ok');
    expect(outcomeOf(result, 'w1')).toMatchObject({ type: 'ok', value: { applied: true, balance: 20 } });
    expect(outcomeOf(result, 'w2')).toMatchObject({ type: 'ok', value: { applied: true } });
    expect(outcomeOf(result, 'w3')).toMatchObject({ type: 'fail' });
    expect(outcomeOf(result, 'w3')?.error).toMatch(/^ABORTED: escrow: b1 holds rights to 0 of a1's 20 and could not reach b2/);
    for (const state of result.finalStates) expect(state.accounts.a1?.balance, state.branch).toBe(5);
  }, 60_000);

  test('a deposit b3 has not acked is not granted (ABORTED although the balance covers it); once acked, it is', async () => {
    // a1 holds 90 over b1, b2, b3: 30 each. b3 spends its 30; while b3 is cut off from b2, b2's
    // deposit of 60 reaches b1 but not b3, so b2 grants b1 only its 30 and b3 has none to give.
    const acked: Plan = {
      ...plan,
      workload: {
        branches: ['b1', 'b2', 'b3'],
        accounts: [{ account: 'a1', balance: 90 }],
        clients: 1,
        // After the heal b3 reads the deposit back; the latency on b3's client link (which w2 does
        // not use) only makes the lab pause before w2, as it does whenever the faults change, long
        // enough for b2 to write down b3's ack (it gathers acks for cursorFlushDelayMs).
        // A reads-only step right after a heal goes before the lab waits for the streams (steps.ts), so
        // a second read gives the wait its boundary before the pause before w2.
        steps: [[withdraw('b3', 30, 'w0')], [deposit('b2', 60, 'd1')], [withdraw('b1', 80, 'w1')], [query('b3')], [query('b3')], [withdraw('b1', 80, 'w2')]],
      },
      faultSchedule: [
        { atStep: 1, healAtStep: 3, fault: { kind: 'partition', mode: 'symmetric', from: ['b2'], to: ['b3'], links: ['b2-b3', 'b3-b2'] } },
        { atStep: 5, healAtStep: 6, fault: { kind: 'toxic', toxic: { kind: 'latency', latencyMs: 1, jitterMs: 0 }, stream: 'both', links: ['client-b3'] } },
      ],
    };
    const result = await judged(acked);
    expect(result.verdict, propertyFailure(result)).toBe('ok');
    expect(outcomeOf(result, 'w1')?.error).toBe('ABORTED: escrow: b1 holds rights to 60 of a1\'s 120 and its peers could not spare the rest');
    const reads = result.history.filter((event) => event.f === 'query' && event.type === 'ok');
    // The first read may still show the balance before the deposit (it goes before the wait); the second follows it.
    expect(reads).toHaveLength(2);
    expect([60, 120]).toContain((reads[0]?.value as { balance: number }).balance);
    expect((reads[1]?.value as { balance: number }).balance).toBe(120);
    expect(outcomeOf(result, 'w2')).toMatchObject({ type: 'ok', value: { applied: true, balance: 40 } });
    for (const state of result.finalStates) expect(state.accounts.a1?.balance, state.branch).toBe(40);
  }, 60_000);
});
