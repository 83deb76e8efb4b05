// Property: the lab catches `unsafe` (seed 000's read-await-write code) within a few seeded runs of a
// contended workload, and shrinks the failure to a plan no larger than the one that first failed.
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPlanConstraints } from '../lab/gen/plan.js';
import { opCount, planFor } from '../lab/gen/index.js';
import { runSeed } from '../lab/run/seeds.js';
import { trial } from '../lab/run/session.js';
import { propertyLimits, suitePool, suiteRuns, suiteSeed } from './support.js';

const seed = suiteSeed();
const pool = suitePool('unsafe', seed);
const constraints = { ...defaultPlanConstraints, opsMax: 16, branchesMax: 3, contention: 'high' as const, faults: 'none' as const };

describe(`unsafe is caught (seed ${seed})`, () => {
  afterAll(() => pool.close());

  it('within 10 runs, with a shrunk counterexample', async () => {
    const runsMax = suiteRuns(10);
    for (let run = 0; run < runsMax; run += 1) {
      const plan = planFor(runSeed(seed, run), '0', constraints);
      const outcome = await trial(plan, { pool, limits: propertyLimits, artifactsRoot: 'artifacts/properties', shrink: true, shrinkLimits: { shrinkRunsMax: 20, shrinkMsMax: 60_000, confirmRuns: 2 } });
      if (outcome.result.verdict !== 'illegal') continue;
      const smallest = outcome.shrunk?.smallest ?? outcome.result;
      expect(smallest.verdict).toBe('illegal');
      expect(opCount(smallest.plan)).toBeLessThanOrEqual(opCount(plan));
      return;
    }
    expect.fail(`unsafe passed ${runsMax} runs (seed ${seed}): the lab did not catch it`);
  });
});
