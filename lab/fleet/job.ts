// The one format of a fleet job: everything a worker needs to run one seeded run, and nothing it could
// derive itself (the seeds and the plan follow from the root seed, the index and the constraints).
import { createHash } from 'node:crypto';
import { bankWorkloads, bugs, contentions, faultLevels, runSeeds, strategies } from '../plan/index.js';
import type { Bug, PlanConstraints, Strategy } from '../plan/index.js';
import type { ShrinkLimits } from '../run/index.js';

export const jobFormat = 1 as const;
export const runModes = ['real', 'sim'] as const;
export type RunMode = (typeof runModes)[number];
export const systems = ['bank'] as const;
export type SystemName = (typeof systems)[number];
export const proxyChoices = ['auto', 'external', 'binary', 'embedded'] as const;
export type ProxyChoice = (typeof proxyChoices)[number];

/** What a campaign holds fixed for all its runs; the campaign's id is derived from it. */
export interface CampaignSpec {
  system: SystemName;
  mode: RunMode;
  rootSeed: number;
  strategy: Strategy;
  bug: Bug | null;
  constraints: PlanConstraints;
  limits: { deadlineMs?: number; checkerMsMax?: number };
  shrink: boolean;
  shrinkLimits: ShrinkLimits;
  keepPassing: boolean;
  proxy: ProxyChoice;
  reuse: boolean;
}

/** One job: run `index` of the campaign's spec. Its BullMQ job id is jobIdOf(campaign, index). */
export interface RunJob {
  format: typeof jobFormat;
  campaign: string;
  index: number;
  spec: CampaignSpec;
}

/**
 * A campaign's id names its root seed and hashes the rest of its spec, so the same explore command
 * joins the campaign it started before instead of running its seeds again. The run count is left
 * out: asking for more runs later extends the campaign.
 */
export function campaignIdOf(spec: CampaignSpec): string {
  const digest = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 10);
  return `s${spec.rootSeed}-${spec.strategy}-${digest}`;
}

/** BullMQ refuses ':' in a custom job id; a dash keeps the id readable: `<campaign>-k<index>`. */
export function jobIdOf(campaign: string, index: number): string {
  return `${campaign}-k${index}`;
}

export const campaignIdPattern = /^[A-Za-z0-9._-]{1,120}$/;

function problemOfConstraints(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'constraints must be an object';
  const record = value as Record<string, unknown>;
  for (const name of ['branchesMin', 'branchesMax', 'opsMax', 'accountsMax', 'clientsMax']) {
    if (!Number.isSafeInteger(record[name]) || (record[name] as number) < 1) return `constraints.${name} must be a positive whole number`;
  }
  if (!(contentions as readonly unknown[]).includes(record.contention)) return `constraints.contention must be one of ${contentions.join('|')}`;
  if (!(faultLevels as readonly unknown[]).includes(record.faults)) return `constraints.faults must be one of ${faultLevels.join('|')}`;
  if (record.workload !== undefined && !(bankWorkloads as readonly unknown[]).includes(record.workload)) return `constraints.workload must be one of ${bankWorkloads.join('|')}`;
  return undefined;
}

function problemOfSpec(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'spec must be an object';
  const spec = value as Record<string, unknown>;
  if (!(systems as readonly unknown[]).includes(spec.system)) return `system '${String(spec.system)}' is not one this worker knows (${systems.join('|')})`;
  if (!(runModes as readonly unknown[]).includes(spec.mode)) return `mode '${String(spec.mode)}' is not one of ${runModes.join('|')}`;
  if (!Number.isSafeInteger(spec.rootSeed)) return 'rootSeed must be a safe integer';
  if (!(strategies as readonly unknown[]).includes(spec.strategy)) return `strategy '${String(spec.strategy)}' is not one this worker knows (${strategies.join('|')})`;
  if (spec.bug !== null && !(bugs as readonly unknown[]).includes(spec.bug)) return `bug '${String(spec.bug)}' is not one this worker knows`;
  if (!(proxyChoices as readonly unknown[]).includes(spec.proxy)) return `proxy '${String(spec.proxy)}' is not one of ${proxyChoices.join('|')}`;
  if (typeof spec.shrink !== 'boolean' || typeof spec.keepPassing !== 'boolean' || typeof spec.reuse !== 'boolean') return 'shrink, keepPassing and reuse must be booleans';
  if (typeof spec.limits !== 'object' || spec.limits === null) return 'limits must be an object';
  const shrinkLimits = spec.shrinkLimits as Record<string, unknown> | null | undefined;
  if (typeof shrinkLimits !== 'object' || shrinkLimits === null || !['shrinkRunsMax', 'shrinkMsMax', 'confirmRuns'].every((name) => Number.isSafeInteger(shrinkLimits[name]))) {
    return 'shrinkLimits must hold whole numbers shrinkRunsMax, shrinkMsMax and confirmRuns';
  }
  return problemOfConstraints(spec.constraints);
}

/** Checks a job as it comes off the queue: a job from another version or another tool is bad data. */
export function parseRunJob(value: unknown): RunJob | { problem: string } {
  if (typeof value !== 'object' || value === null) return { problem: 'a job must be an object' };
  const job = value as Record<string, unknown>;
  if (job.format !== jobFormat) return { problem: `job format ${String(job.format)} is not ${jobFormat}` };
  if (typeof job.campaign !== 'string' || !campaignIdPattern.test(job.campaign)) return { problem: 'campaign must be an id of letters, digits, dot, dash or underscore' };
  if (!Number.isSafeInteger(job.index) || (job.index as number) < 0) return { problem: 'index must be a whole number' };
  const problem = problemOfSpec(job.spec);
  if (problem !== undefined) return { problem };
  runSeeds((job.spec as CampaignSpec).rootSeed, job.index as number);
  return value as RunJob;
}
