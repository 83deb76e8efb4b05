// Shrinks a failing plan on the real cluster: fast-check replays the plan's path and walks its shrink
// tree, and each candidate is a real run. A budget in runs and in time bounds the walk.
import fc from 'fast-check';
import { planArbitrary } from '../gen/index.js';
import type { Plan } from '../plan/index.js';
import { runIdFor } from '../report/index.js';
import type { RunResult } from '../report/index.js';
import { carryTrace } from './sim-run.js';

export interface ShrinkLimits {
  shrinkRunsMax: number;
  shrinkMsMax: number;
  /**
   * A candidate counts as failing only when it fails this many runs in a row. Timing-dependent
   * failures (a race that the OS wins one time in three) then do not become the counterexample, so
   * the shrunk plan replays.
   */
  confirmRuns: number;
}

export const defaultShrinkLimits: ShrinkLimits = { shrinkRunsMax: 100, shrinkMsMax: 120_000, confirmRuns: 2 };

/** In the simulator a replay is exact, so one run of a candidate settles it, and runs are cheap. */
export const simShrinkLimits: ShrinkLimits = { shrinkRunsMax: 1_000, shrinkMsMax: 120_000, confirmRuns: 1 };

export interface ShrinkOutcome {
  /** The smallest failing run found (the original when nothing smaller failed). */
  smallest: RunResult;
  runs: number;
  ms: number;
  /** Which budget ran out before the walk ended, if one did: the shrunk plan may not be the smallest. */
  budgetSpent?: 'runs' | 'time' | undefined;
}

/** What a walk of fast-check's shrink tree reached: the last failing candidate's run and its path. */
export interface ShrinkWalk<Result> {
  lastFailing: Result | undefined;
  /** The path of the smallest failing candidate, when it is not the original's. */
  path: string | undefined;
  runs: number;
  ms: number;
  budgetSpent: ShrinkOutcome['budgetSpent'];
}

/**
 * Walks the shrink tree of `arbitrary` from (seed, path): `execute` runs each candidate, which fails
 * when its verdict is illegal `confirmRuns` times in a row, within the budget in runs and time. The
 * bank's plans and any other system's share it.
 */
export async function walkShrinkTree<Candidate, Result extends { verdict: string }>(
  arbitrary: fc.Arbitrary<Candidate>, from: { seed: number; path: string }, execute: (candidate: Candidate) => Promise<Result>, limits: ShrinkLimits,
): Promise<ShrinkWalk<Result>> {
  const started = performance.now();
  let runs = 0;
  let lastFailing: Result | undefined;
  let budgetSpent: ShrinkOutcome['budgetSpent'];
  const property = fc.asyncProperty(arbitrary, async (candidate) => {
    if (runs >= limits.shrinkRunsMax) budgetSpent = 'runs';
    else if (performance.now() - started >= limits.shrinkMsMax) budgetSpent = 'time';
    if (budgetSpent !== undefined) return true;
    let result: Result | undefined;
    for (let confirmation = 0; confirmation < limits.confirmRuns; confirmation += 1) {
      runs += 1;
      result = await execute(candidate);
      if (result.verdict !== 'illegal') return true;
    }
    if (result !== undefined) lastFailing = result;
    return false;
  });
  const details = await fc.check(property, { seed: from.seed, path: from.path, numRuns: 1 });
  // fast-check reports the last failing candidate; the property kept that candidate's run.
  const shrunk = details.failed && details.counterexamplePath !== null && lastFailing !== undefined && details.counterexamplePath !== from.path;
  return { lastFailing, path: shrunk ? (details.counterexamplePath ?? undefined) : undefined, runs, ms: performance.now() - started, budgetSpent };
}

/**
 * `execute` runs a plan and returns its result; a candidate "fails" when its verdict is illegal.
 * Returns the smallest failing run reached within the budget.
 */
export async function shrinkFailure(original: RunResult, execute: (plan: Plan) => Promise<RunResult>, limits: ShrinkLimits = defaultShrinkLimits): Promise<ShrinkOutcome> {
  const walk = await walkShrinkTree(planArbitrary(original.plan.seed, original.plan.constraints), original.plan, execute, limits);
  let smallest = original;
  if (walk.path !== undefined && walk.lastFailing !== undefined) {
    const { lastFailing } = walk;
    const plan = { ...lastFailing.plan, path: walk.path };
    smallest = carryTrace(lastFailing, { ...lastFailing, plan, runId: runIdFor(lastFailing.seeds, plan.path, lastFailing.strategy) });
  }
  return { smallest, runs: walk.runs, ms: walk.ms, budgetSpent: walk.budgetSpent };
}
