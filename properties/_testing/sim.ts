// Shared by the simulator's property suites: a pool that builds a simulated cluster per run (nothing
// to start or close), and how many runs a sim suite makes: hundreds, where a real suite makes a few.
import { ClusterPool } from '../../lab/run/index.js';
import type { Bug, Strategy } from '../../lab/plan/index.js';

/** Runs of a sim suite: the CI count, or FAULTLINE_SIM_RUNS to explore more (or fewer). */
export function simSuiteRuns(ciRuns: number): number {
  const override = Number(process.env.FAULTLINE_SIM_RUNS ?? '');
  return Number.isInteger(override) && override > 0 ? override : ciRuns;
}

export function simPool(strategy: Strategy, bug?: Bug): ClusterPool {
  return new ClusterPool({ mode: 'sim', strategy, bug, proxy: 'auto', reuse: true });
}
