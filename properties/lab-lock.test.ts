// Property: under `lock`, every seeded plan with faults of every kind is linearizable, conserves money,
// converges and applies each request exactly once. Seed: fixed in CI, random locally, FAULTLINE_SEED.
import { afterAll, describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { planArbitrary } from '../lab/gen/index.js';
import { trial } from '../lab/run/index.js';
import { propertyConstraints, propertyLimits, suitePool, SuiteRuns, suiteRuns, suiteSeed } from './_testing/support.js';
import { propertyFailure } from '../lab/report/index.js';

const seed = suiteSeed();
const runs = new SuiteRuns(seed);
const pool = suitePool('lock');

describe(`lock: linearizable and conserving under faults (seed ${seed})`, () => {
  afterAll(() => pool.close());

  test.prop([planArbitrary(seed, propertyConstraints)], { seed, numRuns: suiteRuns(6), endOnFailure: true })('every check passes', async (plan) => {
    const { result } = await trial(plan, runs.seeds(), { pool, limits: propertyLimits, artifactsRoot: 'artifacts/properties', shrink: false });
    expect(result.verdict, propertyFailure(result)).toBe('ok');
  });
});
