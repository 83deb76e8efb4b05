// A seed's simulated run leaves the same trace on a worker thread as in this thread: 1 worker or N.
import { describe, expect, it } from 'vitest';
import { planFor } from '../gen/index.js';
import { defaultPlanConstraints, runSeeds } from '../plan/index.js';
import { runSimPlan, SimWorkers, traceDigest } from './index.js';

describe('SimWorkers', () => {
  it('gives each seed the trace it has in this thread', async () => {
    const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: 30, faults: 'heavy' as const };
    const tasks = [0, 1, 2, 3].map((index) => {
      const seeds = runSeeds(77, index);
      return { id: index, plan: planFor(seeds.plan, '0', constraints), seeds, strategy: 'lock-free' as const, bug: undefined, limits: {}, artifactsRoot: null, shrink: false, keepPassing: false, checkDeterminism: false };
    });
    const inline = [];
    for (const task of tasks) inline.push(traceDigest((await runSimPlan(task)).trace));
    const workers = new SimWorkers(2);
    try {
      const outcomes = await Promise.all(tasks.map((task) => workers.run(task)));
      expect(outcomes.map((outcome) => outcome.traceDigest)).toEqual(inline);
    } finally {
      await workers.close();
    }
  });
});
