// Property: a plan is a pure function of its seed, path and constraints: generating it twice gives the
// same bytes, and the path of a shrunk plan leads back to the same plan.
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { defaultPlanConstraints, faultLevels, contentions } from '../lab/plan/index.js';
import { planFor } from '../lab/gen/index.js';
import { planJson } from '../lab/plan/index.js';
import { suiteSeed } from './_testing/support.js';

const seed = suiteSeed();
const constraintsArbitrary = fc.record({
  opsMax: fc.integer({ min: 1, max: 120 }),
  faults: fc.constantFrom(...faultLevels),
  contention: fc.constantFrom(...contentions),
});

describe(`plans are pure functions of seed, path and constraints (seed ${seed})`, () => {
  test.prop([fc.integer(), fc.nat({ max: 20 }), constraintsArbitrary], { seed, numRuns: 40 })('same inputs, same bytes', (planSeed, run, knobs) => {
    const constraints = { ...defaultPlanConstraints, ...knobs };
    const first = planJson(planFor(planSeed, String(run), constraints));
    expect(planJson(planFor(planSeed, String(run), constraints))).toBe(first);
  });
});
