// Shared by the property suites: the suite seed (fixed in CI, random locally, FAULTLINE_SEED wins,
// always printed), the seeds of the suite's k-th run, and a cluster pool per suite, closed after it.
import { defaultPlanConstraints, runSeeds } from '../../lab/plan/index.js';
import type { Bug, PlanConstraints, RunSeeds, Strategy } from '../../lab/plan/index.js';
import { ClusterPool, modeFromEnvironment } from '../../lab/run/index.js';
import type { RunLimits } from '../../lab/run/index.js';

export { causeFirst, suiteRuns, suiteSeed } from '../../lab/vitest/index.js';

export const propertyConstraints: PlanConstraints = { ...defaultPlanConstraints, opsMax: 24, branchesMax: 4, faults: 'heavy' };

export const propertyLimits: Partial<RunLimits> = { deadlineMs: 500, quiescenceMsMax: 4_000, checkerMsMax: 4_000 };

export function suitePool(strategy: Strategy, bug?: Bug): ClusterPool {
  // FAULTLINE_MODE=sim runs the same suite in the simulator.
  return new ClusterPool({ mode: modeFromEnvironment() ?? 'real', strategy, bug, proxy: 'embedded', reuse: true });
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
