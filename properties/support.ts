// Shared by the property suites: the suite seed (fixed in CI, random locally, FAULTLINE_SEED wins,
// always printed) and a cluster pool per suite, closed after it.
import { randomInt } from 'node:crypto';
import { defaultPlanConstraints } from '../lab/gen/plan.js';
import type { PlanConstraints, Strategy } from '../lab/gen/plan.js';
import { ClusterPool } from '../lab/run/pool.js';
import type { RunLimits } from '../lab/run/runner.js';

const ciSeed = 20261121;

export function suiteSeed(): number {
  const override = process.env.FAULTLINE_SEED;
  if (override !== undefined && override !== '') {
    const seed = Number(override);
    if (!Number.isInteger(seed)) throw new Error(`FAULTLINE_SEED must be an integer, got '${override}'`);
    return seed;
  }
  return process.env.CI === 'true' ? ciSeed : randomInt(0, 2 ** 31 - 1);
}

/** How many runs a real-cluster property makes: few in CI (time), FAULTLINE_RUNS to explore more. */
export function suiteRuns(ciRuns: number): number {
  const override = Number(process.env.FAULTLINE_RUNS ?? '');
  return Number.isInteger(override) && override > 0 ? override : ciRuns;
}

export const propertyConstraints: PlanConstraints = { ...defaultPlanConstraints, opsMax: 24, branchesMax: 4, faults: 'heavy' };

export const propertyLimits: Partial<RunLimits> = { deadlineMs: 500, quiescenceMsMax: 4_000, checkerMsMax: 4_000 };

export function suitePool(strategy: Strategy, seed: number, bug?: string): ClusterPool {
  return new ClusterPool({ strategy, bug, proxy: 'auto', seed, reuse: true });
}
