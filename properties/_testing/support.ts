// Shared by the property suites: the suite seed (fixed in CI, random locally, FAULTLINE_SEED wins,
// always printed), the seeds of the suite's k-th run, and a cluster pool per suite, closed after it.
import { randomInt } from 'node:crypto';
import { defaultPlanConstraints, runSeeds } from '../../lab/plan/index.js';
import type { Bug, PlanConstraints, RunSeeds, Strategy } from '../../lab/plan/index.js';
import { ClusterPool, modeFromEnvironment } from '../../lab/run/index.js';
import type { RunLimits } from '../../lab/run/index.js';

const ciSeed = 20261121;

export function suiteSeed(): number {
  const override = process.env.FAULTLINE_SEED;
  if (override !== undefined && override !== '') {
    const seed = Number(override);
    if (!Number.isSafeInteger(seed)) throw new Error(`FAULTLINE_SEED must be an integer, got '${override}'`);
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

export function suitePool(strategy: Strategy, bug?: Bug): ClusterPool {
  // FAULTLINE_MODE=sim runs the same suite in the simulator.
  return new ClusterPool({ mode: modeFromEnvironment() ?? 'real', strategy, bug, proxy: 'auto', reuse: true });
}

/** Numbers a suite's runs: run k of the suite has the seeds runSeeds(suite seed, k). */
export class SuiteRuns {
  private next = 0;

  constructor(readonly root: number) {}

  seeds(): RunSeeds {
    const seeds = runSeeds(this.root, this.next);
    this.next += 1;
    return seeds;
  }
}
