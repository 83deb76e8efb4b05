// Property: the lab catches `unsafe` (seed 000's read-await-write code) within a few seeded runs of a
// contended workload, and shrinks the failure to a plan no larger than the one that first failed.
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPlanConstraints } from '../lab/plan/index.js';
import { planFor } from '../lab/gen/index.js';
import { opCount } from '../lab/plan/index.js';
import { runSeeds } from '../lab/plan/index.js';
import { trial } from '../lab/run/index.js';
import { propertyLimits, suitePool, suiteRuns, suiteSeed } from './_testing/support.js';

const seed = suiteSeed();
const pool = suitePool('unsafe');
const constraints = { ...defaultPlanConstraints, opsMax: 16, branchesMax: 3, contention: 'high' as const, faults: 'none' as const };

describe(`unsafe is caught (seed ${seed})`, () => {
  afterAll(() => pool.close());

  it('within 10 runs, with a shrunk counterexample', async () => {
    const runsMax = suiteRuns(10);
    for (let run = 0; run < runsMax; run += 1) {
      const seeds = runSeeds(seed, run);
      const plan = planFor(seeds.plan, '0', constraints);
      const outcome = await trial(plan, seeds, { pool, limits: propertyLimits, artifactsRoot: 'artifacts/properties', shrink: true, shrinkLimits: { shrinkRunsMax: 20, shrinkMsMax: 60_000, confirmRuns: 2 } });
      if (outcome.result.verdict !== 'illegal') continue;
      const smallest = outcome.shrunk?.smallest ?? outcome.result;
      expect(smallest.verdict).toBe('illegal');
      expect(opCount(smallest.plan)).toBeLessThanOrEqual(opCount(plan));
      return;
    }
    expect.fail(`unsafe passed ${runsMax} runs (seed ${seed}): the lab did not catch it`);
  });
});
