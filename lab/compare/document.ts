// The result of a comparison as one plain value: what compare.json holds, and all that the terminal
// table and compare.html are drawn from. Built from the paired runs; pure, no I/O.
import { consistencyRungs, measureStaleness } from '../../models/index.js';
import type { ConsistencyRung, SessionGuarantee } from '../../models/index.js';
import type { PlanConstraints, Strategy } from '../plan/index.js';
import type { RunResult } from '../report/index.js';
import { percentile } from '../report/index.js';
import { deriveSeed } from '../plan/index.js';
import { pairedDifference } from './bootstrap.js';
import type { Better, PairedDifference } from './bootstrap.js';
import { faultIntervals, opSpans, runMetrics, throughputBucketMs, throughputBuckets } from './metrics.js';
import type { FaultInterval, RunMetrics } from './metrics.js';

/** The latency CDF of a strategy is drawn through at most this many points. */
export const cdfPointsMax = 200;

export interface CompareSettings {
  /** The root seed: seed k of the session is runSeed(root, k). */
  root: number;
  strategies: Strategy[];
  seeds: number;
  constraints: PlanConstraints;
  proxy: string;
}

/** One finished run and the position k of its seed in the session. */
export interface PairedRun {
  index: number;
  result: RunResult;
}

export interface StrategySummary {
  strategy: Strategy;
  runs: number;
  verdicts: { ok: number; illegal: number; unknown: number };
  /** Runs showing each kind of violation. */
  violations: Record<string, number>;
  ok: number;
  fail: number;
  info: number;
  /** Mean over runs of each run's ok ops per second. */
  opsPerSecond: number;
  /** Over every ok op of every run; null when none completed ok. */
  latencyP50Ms: number | null;
  latencyP90Ms: number | null;
  latencyP99Ms: number | null;
  conflictRetries: number;
  lockWaits: number;
  lockWaitMs: number;
  leaseExpiries: number;
  partitionMs: number;
  blockedMs: number;
  /** ok ops per second while a partition was in force, over all runs (0 without partitions). */
  okPerSecondUnderPartition: number;
  /** The consistency the strategy's runs reached: runs per rung, session guarantees broken, staleness. */
  consistency: ConsistencySummary;
}

export type PairedMetric = 'opsPerSecond' | 'latencyP50Ms' | 'latencyP90Ms' | 'latencyP99Ms' | 'ok' | 'fail' | 'info' | 'blockedMs';

export const pairedMetrics: { metric: PairedMetric; label: string; unit: string; better: Better }[] = [
  { metric: 'opsPerSecond', label: 'throughput', unit: 'ops/s', better: 'higher' },
  { metric: 'latencyP50Ms', label: 'latency p50', unit: 'ms', better: 'lower' },
  { metric: 'latencyP90Ms', label: 'latency p90', unit: 'ms', better: 'lower' },
  { metric: 'latencyP99Ms', label: 'latency p99', unit: 'ms', better: 'lower' },
  { metric: 'ok', label: 'ok ops', unit: 'ops', better: 'higher' },
  { metric: 'fail', label: 'fail ops', unit: 'ops', better: 'lower' },
  { metric: 'info', label: 'info ops', unit: 'ops', better: 'lower' },
  { metric: 'blockedMs', label: 'blocked in partitions', unit: 'ms', better: 'lower' },
];

export interface MetricComparison extends PairedDifference {
  first: Strategy;
  second: Strategy;
  metric: PairedMetric;
  label: string;
  unit: string;
  better: Better;
}

export interface GridCell {
  strategy: Strategy;
  verdict: RunMetrics['verdict'];
  violations: string[];
  command: string;
}

export interface GridRow {
  index: number;
  seed: number;
  planHash: string;
  cells: GridCell[];
}

export interface RunTimeline {
  index: number;
  strategy: Strategy;
  bucketMs: number;
  okPerBucket: number[];
  faults: FaultInterval[];
}

export interface CompareDocument {
  version: 1;
  settings: CompareSettings;
  summaries: StrategySummary[];
  differences: MetricComparison[];
  grid: GridRow[];
  runs: RunMetrics[];
  latencyCdf: { strategy: Strategy; points: [number, number][] }[];
  /** How far behind each stale read was, in ms, as a CDF over the strategy's stale reads of all runs. */
  stalenessCdf: { strategy: Strategy; points: [number, number][] }[];
  timelines: RunTimeline[];
  seconds: number;
}

export interface ConsistencySummary {
  /** How many runs reached each rung (the strongest one each history satisfied). */
  rungs: Record<ConsistencyRung, number>;
  /** Runs in which each session guarantee was broken. */
  sessionBroken: Partial<Record<SessionGuarantee, number>>;
  reads: number;
  staleReads: number;
  /** The worst run's p99 and max lag, in versions and in ms. */
  versionsBehindP99: number;
  msBehindP99: number;
  msBehindMax: number;
}

function summarizeConsistency(results: readonly RunResult[]): ConsistencySummary {
  const rungs = Object.fromEntries(consistencyRungs.map((rung) => [rung, 0])) as Record<ConsistencyRung, number>;
  const summary: ConsistencySummary = { rungs, sessionBroken: {}, reads: 0, staleReads: 0, versionsBehindP99: 0, msBehindP99: 0, msBehindMax: 0 };
  for (const report of results.map((result) => result.consistency).filter((each) => each !== undefined)) {
    rungs[report.rung] += 1;
    for (const guarantee of Object.keys(report.sessionBroken) as SessionGuarantee[]) summary.sessionBroken[guarantee] = (summary.sessionBroken[guarantee] ?? 0) + 1;
    summary.reads += report.staleness.reads;
    summary.staleReads += report.staleness.staleReads;
    summary.versionsBehindP99 = Math.max(summary.versionsBehindP99, report.staleness.versionsBehind.p99);
    summary.msBehindP99 = Math.max(summary.msBehindP99, report.staleness.msBehind.p99);
    summary.msBehindMax = Math.max(summary.msBehindMax, report.staleness.msBehind.max);
  }
  return summary;
}

function summarizeStrategy(strategy: Strategy, metrics: readonly RunMetrics[], results: readonly RunResult[]): StrategySummary {
  const sum = (pick: (run: RunMetrics) => number): number => metrics.reduce((total, run) => total + pick(run), 0);
  const violations: Record<string, number> = {};
  for (const run of metrics) for (const kind of run.violations) violations[kind] = (violations[kind] ?? 0) + 1;
  const latencies = results.flatMap((result) => result.latenciesNs).sort((a, b) => a - b);
  const latencyAt = (fraction: number): number | null => (latencies.length === 0 ? null : percentile(latencies, fraction) / 1e6);
  return {
    strategy,
    runs: metrics.length,
    verdicts: {
      ok: metrics.filter((run) => run.verdict === 'ok').length,
      illegal: metrics.filter((run) => run.verdict === 'illegal').length,
      unknown: metrics.filter((run) => run.verdict === 'unknown').length,
    },
    violations,
    ok: sum((run) => run.ok),
    fail: sum((run) => run.fail),
    info: sum((run) => run.info),
    opsPerSecond: metrics.length === 0 ? 0 : sum((run) => run.opsPerSecond) / metrics.length,
    latencyP50Ms: latencyAt(0.5),
    latencyP90Ms: latencyAt(0.9),
    latencyP99Ms: latencyAt(0.99),
    conflictRetries: sum((run) => run.conflictRetries),
    lockWaits: sum((run) => run.lockWaits),
    lockWaitMs: sum((run) => run.lockWaitMs),
    leaseExpiries: sum((run) => run.leaseExpiries),
    partitionMs: sum((run) => run.partitionMs),
    blockedMs: sum((run) => run.blockedMs),
    okPerSecondUnderPartition: sum((run) => run.partitionMs) > 0 ? sum((run) => run.okDuringPartition) / (sum((run) => run.partitionMs) / 1000) : 0,
    consistency: summarizeConsistency(results),
  };
}

/** Every pair of strategies in the order given, every paired metric; second minus first, per seed. */
function differences(settings: CompareSettings, metrics: readonly RunMetrics[]): MetricComparison[] {
  const valuesOf = (strategy: Strategy, metric: PairedMetric): (number | null)[] =>
    Array.from({ length: settings.seeds }, (_, index) => metrics.find((run) => run.index === index && run.strategy === strategy)?.[metric] ?? null);
  const comparisons: MetricComparison[] = [];
  settings.strategies.forEach((first, position) => {
    for (const second of settings.strategies.slice(position + 1)) {
      for (const { metric, label, unit, better } of pairedMetrics) {
        const seed = deriveSeed(settings.root, `compare/bootstrap/${first}/${second}/${metric}`);
        const difference = pairedDifference({ name: first, values: valuesOf(first, metric) }, { name: second, values: valuesOf(second, metric) }, better, seed);
        comparisons.push({ first, second, metric, label, unit, better, ...difference });
      }
    }
  });
  return comparisons;
}

function grid(settings: CompareSettings, metrics: readonly RunMetrics[]): GridRow[] {
  const rows: GridRow[] = [];
  for (let index = 0; index < settings.seeds; index += 1) {
    const runs = settings.strategies.flatMap((strategy) => metrics.filter((run) => run.index === index && run.strategy === strategy));
    const first = runs[0];
    if (first === undefined) continue;
    const cells = runs.map((run) => ({ strategy: run.strategy, verdict: run.verdict, violations: run.violations, command: run.command }));
    rows.push({ index, seed: first.seed, planHash: first.planHash, cells });
  }
  return rows;
}

/** (latency ms, fraction of ok ops at or below it), thinned to at most cdfPointsMax points, x increasing. */
export function latencyCdf(latenciesNs: readonly number[]): [number, number][] {
  const sorted = [...latenciesNs].sort((a, b) => a - b);
  const step = Math.max(1, sorted.length / cdfPointsMax);
  const points: [number, number][] = [];
  for (let position = step - 1; position < sorted.length; position += step) {
    const rank = Math.min(sorted.length - 1, Math.round(position));
    const point: [number, number] = [(sorted[rank] as number) / 1e6, (rank + 1) / sorted.length];
    // A chart's x values must be distinct: equal latencies keep the highest fraction.
    if (points[points.length - 1]?.[0] === point[0]) points[points.length - 1] = point;
    else points.push(point);
  }
  return points;
}

/**
 * A run's throughput over its workload's own time: from its first invoke, so the cluster's start-up
 * or reset (which the history's clock includes) is not drawn as a stretch of zero throughput.
 */
function timeline(run: PairedRun): RunTimeline {
  const all = opSpans(run.result.history);
  const firstMs = all.reduce((earliest, span) => Math.min(earliest, span.startMs), Infinity);
  const offsetMs = Number.isFinite(firstMs) ? firstMs : 0;
  const spans = all.map((span) => ({ ...span, startMs: span.startMs - offsetMs, endMs: span.endMs - offsetMs }));
  const lastMs = spans.reduce((latest, span) => Math.max(latest, span.endMs), 0);
  const faults = faultIntervals(run.result.nemesis, lastMs + offsetMs)
    .map((fault) => ({ ...fault, startMs: Math.max(0, fault.startMs - offsetMs), endMs: fault.endMs - offsetMs }))
    .filter((fault) => fault.endMs > 0);
  return { index: run.index, strategy: run.result.strategy, bucketMs: throughputBucketMs, okPerBucket: throughputBuckets(spans), faults };
}

export function compareDocument(settings: CompareSettings, runs: readonly PairedRun[], seconds: number): CompareDocument {
  const metrics = runs.map((run) => runMetrics(run.index, run.result, settings.proxy));
  const resultsOf = (strategy: Strategy): RunResult[] => runs.filter((run) => run.result.strategy === strategy).map((run) => run.result);
  return {
    version: 1,
    settings,
    summaries: settings.strategies.map((strategy) => summarizeStrategy(strategy, metrics.filter((run) => run.strategy === strategy), resultsOf(strategy))),
    differences: differences(settings, metrics),
    grid: grid(settings, metrics),
    runs: metrics,
    latencyCdf: settings.strategies.map((strategy) => ({ strategy, points: latencyCdf(resultsOf(strategy).flatMap((result) => result.latenciesNs)) })),
    stalenessCdf: settings.strategies.map((strategy) => ({
      strategy, points: latencyCdf(resultsOf(strategy).flatMap((result) => measureStaleness(result.history).stale.map((read) => read.msBehind * 1e6))),
    })),
    timelines: runs.map(timeline),
    seconds,
  };
}
