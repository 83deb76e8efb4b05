// Property: under `lock`, every seeded plan with faults of every kind is linearizable, conserves money,
// converges and applies each request exactly once. Seed: fixed in CI, random locally, FAULTLINE_SEED.
import { afterAll, describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { planArbitrary } from '../lab/gen/index.js';
import { runPlan } from '../lab/run/runner.js';
import { propertyConstraints, propertyLimits, suitePool, suiteRuns, suiteSeed } from './support.js';
import { failureMessage } from './failure.js';

const seed = suiteSeed();
let runs = 0;
const pool = suitePool('lock', seed);

describe(`lock: linearizable and conserving under faults (seed ${seed})`, () => {
  afterAll(() => pool.close());

  test.prop([planArbitrary(seed, propertyConstraints)], { seed, numRuns: suiteRuns(6), endOnFailure: true })('every check passes', async (plan) => {
    const result = await runPlan({ plan, pool, limits: propertyLimits, artifactsRoot: 'artifacts/properties', runId: `${pool.strategy}-suite${seed}-run${runs++}` });
    expect(result.verdict, failureMessage(result)).toBe('ok');
  });
});
