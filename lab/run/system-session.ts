// A session of runs against a system other than the bank: run a plan, shrink a violation with
// fast-check over the system's plan arbitrary (each candidate a real run), keep artifacts by the one
// policy. `run`, `explore`, `replay` and `compare` with `--system` use it.
import { systemPlanArbitrary } from '../gen/index.js';
import type { RunSeeds, SystemPlan } from '../plan/index.js';
import type { ProxyBackendChoice } from '../proxy/index.js';
import { keepsArtifacts, systemRunId, writeSystemArtifacts } from '../report/index.js';
import type { SystemRunResult } from '../report/index.js';
import type { System } from '../systems/index.js';
import { walkShrinkTree } from './shrink.js';
import type { ShrinkLimits, ShrinkOutcome } from './shrink.js';
import { runSystemPlan } from './system-run.js';
import type { SystemRunLimits } from './system-run.js';

/** A real etcd run takes seconds: the shrink confirms each failing candidate once more, as the bank's does. */
export const systemShrinkLimits: ShrinkLimits = { shrinkRunsMax: 40, shrinkMsMax: 300_000, confirmRuns: 2 };

export interface SystemSessionOptions {
  system: System;
  proxy: ProxyBackendChoice;
  limits: Partial<SystemRunLimits>;
  /** Where artifacts go; null keeps none. */
  artifactsRoot: string | null;
  shrink: boolean;
  shrinkLimits?: ShrinkLimits;
  keepPassing?: boolean;
  onSpawn?: (pid: number) => void;
}

export interface SystemTrial {
  result: SystemRunResult;
  shrunk?: Omit<ShrinkOutcome, 'smallest'> & { smallest: SystemRunResult };
}

export function runSystemOnce(plan: SystemPlan, seeds: RunSeeds, options: SystemSessionOptions): Promise<SystemRunResult> {
  return runSystemPlan({ system: options.system, plan, seeds, proxy: options.proxy, limits: options.limits, ...(options.onSpawn === undefined ? {} : { onSpawn: options.onSpawn }) });
}

function keep(result: SystemRunResult, options: SystemSessionOptions): void {
  if (options.artifactsRoot === null || !keepsArtifacts(result.verdict, options.keepPassing === true)) return;
  result.artifactDir = writeSystemArtifacts(options.artifactsRoot, result);
}

/** Walks fast-check's shrink tree from the plan's path, each candidate a real run (shrink.ts). */
export async function shrinkSystemFailure(original: SystemRunResult, options: SystemSessionOptions): Promise<NonNullable<SystemTrial['shrunk']>> {
  const { plan } = original;
  const arbitrary = systemPlanArbitrary(plan.seed, { system: options.system, systemName: plan.system, workload: plan.workload, constraints: plan.constraints });
  const walk = await walkShrinkTree(arbitrary, plan, (candidate) => runSystemOnce(candidate, original.seeds, options), options.shrinkLimits ?? systemShrinkLimits);
  let smallest = original;
  if (walk.path !== undefined && walk.lastFailing !== undefined) {
    const shrunkPlan = { ...walk.lastFailing.plan, path: walk.path };
    smallest = { ...walk.lastFailing, plan: shrunkPlan, runId: systemRunId(walk.lastFailing.seeds, shrunkPlan) };
  }
  return { smallest, runs: walk.runs, ms: walk.ms, budgetSpent: walk.budgetSpent };
}

/** Runs one plan; on a violation shrinks it; keeps the original and the shrunk run's artifacts. */
export async function systemTrial(plan: SystemPlan, seeds: RunSeeds, options: SystemSessionOptions): Promise<SystemTrial> {
  const result = await runSystemOnce(plan, seeds, options);
  keep(result, options);
  if (result.verdict !== 'illegal' || !options.shrink) return { result };
  const shrunk = await shrinkSystemFailure(result, options);
  if (shrunk.smallest !== result) keep(shrunk.smallest, options);
  return { result, shrunk };
}
