// The one format of a run's stored result: its verdict and summary, small enough to keep for every
// run, and enough to rebuild the summary table and the explore index without the history.
import { basename } from 'node:path';
import { claimsOf, runSeeds } from '../plan/index.js';
import type { Bug, Plan, RunSeeds, Strategy } from '../plan/index.js';
import type { ExploreRun, RunResult, RunStats } from '../report/index.js';
import type { RunMode } from './job.js';

export const recordFormat = 1 as const;

/** One run's outcome; `artifactDir` is the directory's name under the artifacts root, where it was kept. */
export interface RunVerdict {
  runId: string;
  verdict: RunResult['verdict'];
  violations: string[];
  stats: RunStats;
  latenciesNs: number[];
  artifactDir: string | null;
}

/** Where a failure's artifacts are: packed in the record, or left on the worker's disk when too large. */
export type RecordArtifacts = { packed: string; bytes: number } | { leftAt: string; bytes: number } | null;

export interface RunRecord {
  format: typeof recordFormat;
  campaign: string;
  index: number;
  seeds: RunSeeds;
  mode: RunMode;
  strategy: Strategy;
  bug: Bug | null;
  run: RunVerdict;
  /** The smallest failing run the shrinker found, when the run failed and was shrunk. */
  shrunk: RunVerdict | null;
  /** Who ran it: `host:pid` of a worker, or `local`. */
  worker: string;
  artifacts: RecordArtifacts;
}

export function verdictOf(result: RunResult): RunVerdict {
  return {
    runId: result.runId,
    verdict: result.verdict,
    violations: [...result.violations],
    stats: result.stats,
    latenciesNs: [...result.latenciesNs],
    artifactDir: result.artifactDir === undefined ? null : basename(result.artifactDir),
  };
}

export interface RecordContext {
  campaign: string;
  mode: RunMode;
  worker: string;
}

export function recordOf(context: RecordContext, result: RunResult, shrunk: RunResult | undefined): RunRecord {
  return {
    format: recordFormat,
    campaign: context.campaign,
    index: result.seeds.index,
    seeds: result.seeds,
    mode: context.mode,
    strategy: result.strategy,
    bug: result.bug ?? null,
    run: verdictOf(result),
    shrunk: shrunk === undefined || shrunk === result ? null : verdictOf(shrunk),
    worker: context.worker,
    artifacts: null,
  };
}

/** Checks a record read back from the queue or a results file; the fields the summary reads must be there. */
export function parseRecord(value: unknown): RunRecord | { problem: string } {
  if (typeof value !== 'object' || value === null) return { problem: 'a record must be an object' };
  const record = value as Partial<RunRecord>;
  if (record.format !== recordFormat) return { problem: `record format ${String(record.format)} is not ${recordFormat}` };
  if (!Number.isSafeInteger(record.index) || typeof record.campaign !== 'string') return { problem: 'a record needs a campaign and an index' };
  const run = record.run as Partial<RunVerdict> | undefined;
  if (run === undefined || typeof run.verdict !== 'string' || !Array.isArray(run.violations) || typeof run.stats !== 'object' || !Array.isArray(run.latenciesNs)) {
    return { problem: `record ${record.index}: its run has no verdict, violations, stats or latencies` };
  }
  return value as RunRecord;
}

/**
 * A RunResult with what the summary and the index read (verdict, violations, stats, latencies, where
 * the artifacts are); the history stays in the artifacts. `plan` is the run's plan, rederived.
 */
function resultOf(record: RunRecord, verdict: RunVerdict, plan: Plan, artifactDirOf: (name: string) => string): RunResult {
  return {
    runId: verdict.runId,
    seeds: runSeeds(record.seeds.root, record.seeds.index),
    plan,
    strategy: record.strategy,
    bug: record.bug ?? undefined,
    claims: claimsOf(record.strategy),
    verdict: verdict.verdict,
    violations: verdict.violations,
    checks: [],
    history: [],
    nemesis: [],
    finalStates: [],
    nodeStats: [],
    stats: verdict.stats,
    randomness: { nodes: {}, proxy: null },
    latenciesNs: verdict.latenciesNs,
    ...(verdict.artifactDir === null ? {} : { artifactDir: artifactDirOf(verdict.artifactDir) }),
  };
}

/**
 * The explore index's row of a record; `artifactDirOf` maps a directory name to where it now is. The
 * shrunk run carries the original plan too: the index and the summary never read a row's plan, and
 * the shrunk plan itself is in its artifacts.
 */
export function exploreRunOf(record: RunRecord, plan: Plan, artifactDirOf: (name: string) => string): ExploreRun {
  const result = resultOf(record, record.run, plan, artifactDirOf);
  return record.shrunk === null ? { result } : { result, shrunk: resultOf(record, record.shrunk, plan, artifactDirOf) };
}
