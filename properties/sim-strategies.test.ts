// Property, in the simulator: under `lock` and `lock-free`, every seeded plan with heavy faults of
// every kind passes every check; under `unsafe`, and with each planted bug, the lab catches a failure.
// Hundreds of runs a strategy, as the real suites make a handful. Seed: fixed in CI, random locally,
// FAULTLINE_SEED; FAULTLINE_SIM_RUNS for more runs.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { planArbitrary } from '../lab/gen/index.js';
import { trial } from '../lab/run/index.js';
import type { Bug, Plan, Strategy } from '../lab/plan/index.js';
import { propertyFailure } from '../lab/report/index.js';
import { causeFirst, propertyConstraints, propertyLimits, SuiteRuns, suiteSeed } from './_testing/support.js';
import { simPool, simSuiteRuns } from './_testing/sim.js';

const seed = suiteSeed();
const cleanRunsCi = 500;
/** 500 runs take about 30 s on an idle 2-core machine; a loaded one (shared CI) gets room, not a flake. */
const suiteMsMax = 480_000;

for (const strategy of ['lock-free', 'lock'] as const satisfies readonly Strategy[]) {
  const runs = new SuiteRuns(seed);
  const pool = simPool(strategy);
  describe(`sim: ${strategy} passes every check under heavy faults (seed ${seed})`, () => {
    test.prop([planArbitrary(seed, propertyConstraints)], { seed, numRuns: simSuiteRuns(cleanRunsCi), endOnFailure: true, plugins: [causeFirst<[Plan]>()] })('every check passes', async (plan) => {
      const { result } = await trial(plan, runs.seeds(), { pool, limits: propertyLimits, artifactsRoot: 'artifacts/properties', shrink: false });
      expect(result.verdict, propertyFailure(result)).toBe('ok');
    }, suiteMsMax);
  });
}

/** A planted bug is caught within this many seeds, every time (the issue's bound). */
const catchSeedsMax = 200;

const planted: { strategy: Strategy; bug?: Bug }[] = [{ strategy: 'unsafe' }, { strategy: 'lock-free', bug: 'no-dedup' }, { strategy: 'lock', bug: 'ack-before-apply' }];

describe(`sim: every planted bug is caught within ${catchSeedsMax} seeds (seed ${seed})`, () => {
  for (const { strategy, bug } of planted) {
    test(`${strategy}${bug === undefined ? '' : ` with ${bug}`}`, async () => {
      const pool = simPool(strategy, bug);
      const runs = new SuiteRuns(seed);
      const constraints = { ...propertyConstraints, branchesMin: 3, branchesMax: 3 };
      let caught = -1;
      for (let index = 0; index < catchSeedsMax && caught < 0; index += 1) {
        const seeds = runs.seeds();
        const plan = (await import('../lab/gen/index.js')).planFor(seeds.plan, '0', constraints);
        const { result } = await trial(plan, seeds, { pool, limits: propertyLimits, artifactsRoot: null, shrink: false });
        if (result.verdict === 'illegal') caught = index;
      }
      expect(caught, `no failure in ${catchSeedsMax} seeds`).toBeGreaterThanOrEqual(0);
    }, suiteMsMax);
  }
});
