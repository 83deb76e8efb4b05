// Runs one index of a campaign's spec on a cluster pool, the same way on a worker and in a local
// explore: the seeds from runSeeds, the plan from planFor, then trial (shrink, artifacts).
import { planFor } from '../gen/index.js';
import { runSeeds } from '../plan/index.js';
import type { Plan, RunSeeds } from '../plan/index.js';
import { ClusterPool, trial } from '../run/index.js';
import type { Trial } from '../run/index.js';
import type { CampaignSpec } from './job.js';
import { recordOf } from './record.js';
import type { RecordContext, RunRecord } from './record.js';

/** The path every explore run takes through the plan's generator. */
export const explorePath = '0';

export function planOf(spec: Pick<CampaignSpec, 'constraints'>, seeds: RunSeeds): Plan {
  return planFor(seeds.plan, explorePath, spec.constraints);
}

export function poolFor(spec: CampaignSpec, announce?: (line: string) => void): ClusterPool {
  return new ClusterPool({ mode: spec.mode, strategy: spec.strategy, bug: spec.bug ?? undefined, proxy: spec.proxy, reuse: spec.reuse, ...(announce === undefined ? {} : { announce }) });
}

export interface IndexOutcome {
  trial: Trial;
  record: RunRecord;
  /** The directories the run kept (the run's and its shrunk form's), to pack. */
  directories: string[];
}

export async function runIndex(spec: CampaignSpec, index: number, pool: ClusterPool, artifactsRoot: string, context: RecordContext): Promise<IndexOutcome> {
  const seeds = runSeeds(spec.rootSeed, index);
  const outcome = await trial(planOf(spec, seeds), seeds, { pool, limits: spec.limits, artifactsRoot, shrink: spec.shrink, shrinkLimits: spec.shrinkLimits, keepPassing: spec.keepPassing });
  const shrunk = outcome.shrunk?.smallest;
  const directories = [outcome.result.artifactDir, shrunk === outcome.result ? undefined : shrunk?.artifactDir].filter((directory): directory is string => directory !== undefined);
  return { trial: outcome, record: recordOf(context, outcome.result, shrunk), directories };
}
