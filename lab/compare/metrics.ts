// What `faultline compare` measures in one run: verdict, availability, throughput, latency, the nodes'
// counters, fault intervals and the time ops sat blocked while a partition lasted. Pure over a RunResult.
import type { HistoryEvent } from '../../models/index.js';
import type { Strategy } from '../plan/index.js';
import { planHash } from '../plan/index.js';
import { runCommand } from '../report/index.js';
import type { NemesisEvent } from '../client/index.js';
import type { RunResult } from '../report/index.js';
import { percentile } from '../report/index.js';

/** Width of one bar of the throughput-over-time chart. */
export const throughputBucketMs = 100;

const nanosecondsPerMs = 1e6;

export type FaultKind = 'partition' | 'toxic' | 'kill' | 'pause';

/** A fault as it lasted in one run, in ms since the run's history started. */
export interface FaultInterval {
  kind: FaultKind;
  description: string;
  startMs: number;
  endMs: number;
}

/** One operation from invoke to completion, in ms since the run's history started. */
export interface OpSpan {
  type: 'ok' | 'fail' | 'info';
  startMs: number;
  endMs: number;
}

export interface NodeCounters {
  conflictRetries: number;
  lockWaits: number;
  lockWaitMs: number;
  leaseExpiries: number;
}

export interface RunMetrics extends NodeCounters {
  /** k of `runSeed(root, k)`: the position of the seed in the session. */
  index: number;
  seed: number;
  strategy: Strategy;
  runId: string;
  planHash: string;
  /** The command that replays this run alone. */
  command: string;
  verdict: 'ok' | 'illegal' | 'unknown';
  violations: string[];
  ok: number;
  fail: number;
  info: number;
  faultsApplied: number;
  /** From the first invoke to the last completion. */
  workloadMs: number;
  /** ok operations per second of workload time. */
  opsPerSecond: number;
  /** null when no operation completed ok (there is no latency to speak of). */
  latencyP50Ms: number | null;
  latencyP90Ms: number | null;
  latencyP99Ms: number | null;
  /** How long at least one partition was in force. */
  partitionMs: number;
  /** Sum over ops that did not complete ok of the time they were in flight while a partition lasted. */
  blockedMs: number;
  /** ok operations that completed while a partition was in force: availability under partition. */
  okDuringPartition: number;
  artifactDir: string | null;
}

/** Invoke/completion pairs by process; the recorder gives a process at most one op in flight. */
export function opSpans(history: readonly HistoryEvent[]): OpSpan[] {
  const open = new Map<number, number>();
  const spans: OpSpan[] = [];
  for (const event of history) {
    if (event.type === 'invoke') {
      open.set(event.process, event.time);
      continue;
    }
    const started = open.get(event.process);
    if (started === undefined) continue;
    open.delete(event.process);
    spans.push({ type: event.type, startMs: started / nanosecondsPerMs, endMs: event.time / nanosecondsPerMs });
  }
  return spans;
}

function faultKind(fault: unknown): FaultKind | undefined {
  if (typeof fault !== 'object' || fault === null) return undefined;
  const kind = (fault as { kind?: unknown }).kind;
  return kind === 'partition' || kind === 'toxic' || kind === 'kill' || kind === 'pause' ? kind : undefined;
}

/**
 * Pairs each fault's start with its stop. Steps.ts reports both with the plan's fault object, so equal
 * JSON means the same fault (identical twins pair first-in, first-out); the final heal-all closes every
 * fault still open, and a fault never closed lasts until `endMs`.
 */
export function faultIntervals(nemesis: readonly NemesisEvent[], endMs: number): FaultInterval[] {
  const open = new Map<string, FaultInterval[]>();
  const intervals: FaultInterval[] = [];
  for (const event of nemesis) {
    const timeMs = event.time / nanosecondsPerMs;
    if (event.type === 'stop' && event.fault === 'heal-all') {
      for (const waiting of open.values()) for (const interval of waiting) interval.endMs = timeMs;
      open.clear();
      continue;
    }
    const kind = faultKind(event.fault);
    if (kind === undefined || event.type === 'skip') continue;
    const key = JSON.stringify(event.fault);
    if (event.type === 'start') {
      const interval = { kind, description: event.description, startMs: timeMs, endMs };
      intervals.push(interval);
      open.set(key, [...(open.get(key) ?? []), interval]);
    } else {
      const [first, ...rest] = open.get(key) ?? [];
      if (first !== undefined) first.endMs = timeMs;
      open.set(key, rest);
    }
  }
  return intervals;
}

/** Disjoint, sorted intervals covering the same time as the given ones. */
export function mergeIntervals(intervals: readonly { startMs: number; endMs: number }[]): { startMs: number; endMs: number }[] {
  const sorted = [...intervals].filter((item) => item.endMs > item.startMs).sort((a, b) => a.startMs - b.startMs);
  const merged: { startMs: number; endMs: number }[] = [];
  for (const item of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && item.startMs <= last.endMs) last.endMs = Math.max(last.endMs, item.endMs);
    else merged.push({ ...item });
  }
  return merged;
}

function overlapMs(span: { startMs: number; endMs: number }, covered: readonly { startMs: number; endMs: number }[]): number {
  let total = 0;
  for (const interval of covered) total += Math.max(0, Math.min(span.endMs, interval.endMs) - Math.max(span.startMs, interval.startMs));
  return total;
}

/** Op-milliseconds of ops that did not complete ok, spent in flight while any partition was in force. */
export function blockedMs(spans: readonly OpSpan[], faults: readonly FaultInterval[]): number {
  const partitions = mergeIntervals(faults.filter((fault) => fault.kind === 'partition'));
  return spans.filter((span) => span.type !== 'ok').reduce((total, span) => total + overlapMs(span, partitions), 0);
}

/** ok ops whose completion came while a partition was in force. */
export function okDuringPartition(spans: readonly OpSpan[], faults: readonly FaultInterval[]): number {
  const partitions = mergeIntervals(faults.filter((fault) => fault.kind === 'partition'));
  return spans.filter((span) => span.type === 'ok' && partitions.some((interval) => span.endMs >= interval.startMs && span.endMs < interval.endMs)).length;
}

/** ok completions per bucket of `throughputBucketMs`, from time 0 to the last completion. */
export function throughputBuckets(spans: readonly OpSpan[]): number[] {
  const last = spans.reduce((latest, span) => Math.max(latest, span.endMs), 0);
  const buckets = new Array<number>(Math.floor(last / throughputBucketMs) + 1).fill(0);
  for (const span of spans) {
    if (span.type !== 'ok') continue;
    const bucket = Math.floor(span.endMs / throughputBucketMs);
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  }
  return buckets;
}

function counter(stats: Record<string, unknown>, name: keyof NodeCounters): number {
  const value = Number(stats[name] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

/** The nodes' counters summed over the branches (each counts what happened at its serialization points). */
export function nodeCounters(nodeStats: readonly Record<string, unknown>[]): NodeCounters {
  const total: NodeCounters = { conflictRetries: 0, lockWaits: 0, lockWaitMs: 0, leaseExpiries: 0 };
  for (const stats of nodeStats) for (const name of Object.keys(total) as (keyof NodeCounters)[]) total[name] += counter(stats, name);
  return total;
}

/** The replay command, naming the proxy backend when the session chose another than run's default (embedded). */
export function replayCommand(result: RunResult, proxy: string): string {
  // compare generates every plan from its run's seeds, so the command exists.
  const command = runCommand(result.seeds, result.plan, result.strategy, result.bug, result.mode) ?? `npx faultline replay ${result.artifactDir ?? '<artifacts>'}`;
  return proxy === 'embedded' ? command : `${command} --proxy ${proxy}`;
}

export function runMetrics(index: number, result: RunResult, proxy = 'embedded'): RunMetrics {
  const spans = opSpans(result.history);
  const firstMs = spans.reduce((earliest, span) => Math.min(earliest, span.startMs), Infinity);
  const lastMs = spans.reduce((latest, span) => Math.max(latest, span.endMs), 0);
  const workloadMs = spans.length === 0 ? 0 : lastMs - firstMs;
  const faults = faultIntervals(result.nemesis, lastMs);
  const ok = spans.filter((span) => span.type === 'ok').length;
  const latencies = [...result.latenciesNs].sort((a, b) => a - b);
  const latencyAt = (fraction: number): number | null => (latencies.length === 0 ? null : percentile(latencies, fraction) / nanosecondsPerMs);
  return {
    index,
    seed: result.plan.seed,
    strategy: result.strategy,
    runId: result.runId,
    planHash: planHash(result.plan),
    command: replayCommand(result, proxy),
    verdict: result.verdict,
    violations: [...result.violations],
    ok,
    fail: spans.filter((span) => span.type === 'fail').length,
    info: spans.filter((span) => span.type === 'info').length,
    faultsApplied: result.stats.faultsApplied,
    workloadMs,
    opsPerSecond: workloadMs > 0 ? ok / (workloadMs / 1000) : 0,
    latencyP50Ms: latencyAt(0.5),
    latencyP90Ms: latencyAt(0.9),
    latencyP99Ms: latencyAt(0.99),
    ...nodeCounters(result.nodeStats),
    partitionMs: mergeIntervals(faults.filter((fault) => fault.kind === 'partition')).reduce((total, item) => total + item.endMs - item.startMs, 0),
    blockedMs: blockedMs(spans, faults),
    okDuringPartition: okDuringPartition(spans, faults),
    artifactDir: result.artifactDir ?? null,
  };
}
