// A lab session: runs plans on a pool of clusters, shrinks each failure, and writes artifacts for
// every failure (the original and its shrunk form). `run`, `explore` and `replay` are built on it.
import { describePlan } from '../gen/story.js';
import type { Plan } from '../gen/plan.js';
import { writeArtifacts } from './artifacts.js';
import type { ClusterPool } from './pool.js';
import { runPlan } from './runner.js';
import type { RunLimits, RunResult } from './runner.js';
import { defaultShrinkLimits, shrinkFailure } from './shrink.js';
import type { ShrinkLimits, ShrinkOutcome } from './shrink.js';

export interface SessionOptions {
  pool: ClusterPool;
  limits: Partial<RunLimits>;
  artifactsRoot: string | null;
  shrink: boolean;
  shrinkLimits?: ShrinkLimits;
}

export interface Trial {
  result: RunResult;
  shrunk?: ShrinkOutcome;
}

export async function runOnce(plan: Plan, options: SessionOptions): Promise<RunResult> {
  return runPlan({ plan, pool: options.pool, limits: options.limits, artifactsRoot: null });
}

/** Runs one plan; on a violation shrinks it; writes artifacts of failures (and of every run when asked). */
export async function trial(plan: Plan, options: SessionOptions, keepPassing = false): Promise<Trial> {
  const result = await runOnce(plan, options);
  const save = (run: RunResult): void => {
    if (options.artifactsRoot === null) return;
    run.artifactDir = `${options.artifactsRoot}/${run.runId}`;
    writeArtifacts(run.artifactDir, run);
  };
  if (result.verdict !== 'illegal') {
    if (keepPassing || result.verdict === 'unknown') save(result);
    return { result };
  }
  save(result);
  if (!options.shrink) return { result };
  const shrunk = await shrinkFailure(result, (candidate) => runOnce(candidate, options), options.shrinkLimits ?? defaultShrinkLimits);
  if (shrunk.smallest !== result) save(shrunk.smallest);
  return { result, shrunk };
}

/** The lines a person reads about a failure: what broke, the shrunk story, how to replay it. */
export function failureReport(trialResult: Trial): string {
  const run = trialResult.shrunk?.smallest ?? trialResult.result;
  const lines = [
    `VIOLATION ${run.violations.join(', ')} (seed ${run.plan.seed}, path ${run.plan.path}, ${run.strategy}${run.bug ? `, bug ${run.bug}` : ''})`,
  ];
  for (const check of run.checks.filter((item) => item.verdict === 'illegal')) lines.push(`  ${check.kind}: ${check.summary}`);
  if (trialResult.shrunk !== undefined) {
    const ops = run.plan.workload.steps.reduce((total, step) => total + step.length, 0);
    lines.push(`shrunk in ${trialResult.shrunk.runs} runs (${(trialResult.shrunk.ms / 1000).toFixed(1)} s) to ${ops} ops and ${run.plan.faultSchedule.length} faults:`);
  }
  lines.push(describePlan(run.plan));
  if (run.artifactDir !== undefined) lines.push(`replay: npx faultline replay ${run.artifactDir}`);
  return lines.join('\n');
}
