// A lab session: runs plans with their seeds on a pool of clusters, shrinks each failure, and keeps
// what the policy says through the one artifact writer: every failure (the original and its shrunk
// form), every unknown, and passing runs when asked. `run`, `explore`, `replay` and the suites use it.
import { keepsArtifacts, runCommand, writeArtifacts } from '../report/index.js';
import type { RunResult } from '../report/index.js';
import type { Plan, RunSeeds } from '../plan/index.js';
import type { ClusterPool } from './pool.js';
import { runPlan } from './runner.js';
import type { RunLimits } from './run-result.js';
import { defaultShrinkLimits, shrinkFailure, simShrinkLimits } from './shrink.js';
import { shrinkSchedule, writeSimTrace } from './sim-run.js';
import type { ScheduleShrink } from './sim-run.js';
import type { ShrinkLimits, ShrinkOutcome } from './shrink.js';

export interface SessionOptions {
  pool: ClusterPool;
  limits: Partial<RunLimits>;
  /** Where artifacts go; null keeps none. */
  artifactsRoot: string | null;
  shrink: boolean;
  shrinkLimits?: ShrinkLimits;
  /** Keep the artifacts of passing runs too (`--report always`, `run`). */
  keepPassing?: boolean;
}

export interface Trial {
  result: RunResult;
  shrunk?: ShrinkOutcome;
  /** Sim only: the shrunk failure's schedule closest to FIFO that still fails. */
  schedule?: ScheduleShrink;
}

/** A crash of the lab during a run carries the command that reruns it, for the one line main prints. */
function withRerun(error: unknown, plan: Plan, seeds: RunSeeds, pool: ClusterPool): unknown {
  const command = runCommand(seeds, plan, pool.strategy, pool.bug);
  const rerun = command === undefined || pool.mode === 'real' ? command : `${command} --mode ${pool.mode}`;
  if (rerun !== undefined && typeof error === 'object' && error !== null && !('rerun' in error)) Object.assign(error, { rerun });
  return error;
}

export async function runOnce(plan: Plan, seeds: RunSeeds, options: SessionOptions): Promise<RunResult> {
  try {
    return await runPlan({ plan, seeds, pool: options.pool, limits: options.limits });
  } catch (error) {
    throw withRerun(error, plan, seeds, options.pool);
  }
}

function keep(run: RunResult, options: SessionOptions): void {
  if (options.artifactsRoot === null || !keepsArtifacts(run.verdict, options.keepPassing === true)) return;
  run.artifactDir = writeArtifacts(options.artifactsRoot, run);
  writeSimTrace(run);
}

/** Runs one plan; on a violation shrinks it; keeps artifacts by the session's policy. */
export async function trial(plan: Plan, seeds: RunSeeds, options: SessionOptions): Promise<Trial> {
  const result = await runOnce(plan, seeds, options);
  keep(result, options);
  if (result.verdict !== 'illegal') return { result };
  if (!options.shrink) return { result };
  const limits = options.shrinkLimits ?? (options.pool.mode === 'sim' ? simShrinkLimits : defaultShrinkLimits);
  const shrunk = await shrinkFailure(result, (candidate) => runOnce(candidate, seeds, options), limits);
  if (options.pool.mode !== 'sim') {
    if (shrunk.smallest !== result) keep(shrunk.smallest, options);
    return { result, shrunk };
  }
  const { pool } = options;
  const request = { plan: shrunk.smallest.plan, seeds, strategy: pool.strategy, bug: pool.bug, limits: options.limits };
  const schedule = await shrinkSchedule(request, shrunk.smallest, (candidate) => candidate.verdict === 'illegal');
  if (shrunk.smallest !== result) keep(shrunk.smallest, options);
  return { result, shrunk, schedule };
}
