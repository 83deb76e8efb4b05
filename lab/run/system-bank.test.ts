// The bank through the generic runner, as any other System: its node processes, its client and status
// table, the bank model and the bank's invariants as the workload's checks. (`--system bank` keeps the
// bank's own runner; this proves the bank's module implements the contract.)
import { describe, expect, it } from 'vitest';
import { systemPlanFor } from '../gen/index.js';
import { runSeeds } from '../plan/index.js';
import { bankSystem } from '../systems/bank/index.js';
import { runSystemPlan } from './system-run.js';

const constraints = { nodes: 2, opsMax: 8, objectsMax: 2, clientsMax: 2, contention: 'low', faults: 'none' } as const;

describe('the bank as a System, seed 12', () => {
  it('lock-free passes every check it claims: linearizable, converged, conserving, non-negative, exactly once', async () => {
    const seeds = runSeeds(12, 0);
    const plan = systemPlanFor(seeds.plan, '0', { system: bankSystem, systemName: 'bank', workload: 'lock-free', constraints });
    expect(plan.nodes).toEqual(['b1', 'b2']);
    const result = await runSystemPlan({ system: bankSystem, plan, seeds, proxy: 'embedded' });
    expect(result.stats.ops).toBe(plan.steps.flat().length);
    expect(Object.fromEntries(result.checks.map((check) => [check.kind, check.verdict]))).toEqual({
      linearizability: 'ok', convergence: 'ok', conservation: 'ok', 'non-negative': 'ok', 'exactly-once': 'ok', 'dead-letters': 'ok',
    });
  });
});
