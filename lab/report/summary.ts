// Text a person reads: one line per run, and the summary table of a session.
import { describeConsistency } from '../../models/index.js';
import { percentile } from './outcome.js';
import type { RunResult } from './outcome.js';

/** A verdict in a word, with the violations' kinds when there are any: `ILLEGAL (linearizability)`. */
export function verdictText(verdict: RunResult['verdict'], violations: readonly string[]): string {
  return verdict === 'illegal' ? `ILLEGAL (${violations.join(', ')})` : verdict;
}

/** Why a run ended unknown, from the checks that said so: the cause belongs on the terminal, not only in verdict.json. */
export function unknownCause(run: RunResult): string | undefined {
  if (run.verdict !== 'unknown') return undefined;
  const causes = run.checks.filter((check) => check.verdict === 'unknown').map((check) => `${check.kind}: ${check.summary}`);
  return causes.length === 0 ? undefined : causes.join('; ');
}

export function summaryLine(run: RunResult): string {
  const { stats } = run;
  const cause = unknownCause(run);
  const verdict = cause === undefined ? verdictText(run.verdict, run.violations) : `unknown (${cause})`;
  const consistency = run.consistency === undefined ? '' : `; consistency ${describeConsistency(run.consistency)}`;
  return `${run.runId}: ${verdict}; ${stats.ops} ops (${stats.ok} ok, ${stats.fail} fail, ${stats.info} info), ${stats.faultsApplied} faults, p50 ${stats.latencyP50Ms.toFixed(1)} ms, p99 ${stats.latencyP99Ms.toFixed(1)} ms, ${(stats.durationMs / 1000).toFixed(1)} s${consistency}`;
}

export interface SessionSummary {
  runs: number;
  ops: number;
  faultsApplied: number;
  violations: Record<string, number>;
  failedRuns: number;
  unknown: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  seconds: number;
}

export function summarize(results: readonly RunResult[], seconds: number): SessionSummary {
  const violations: Record<string, number> = {};
  for (const run of results) for (const kind of run.violations) violations[kind] = (violations[kind] ?? 0) + 1;
  const latencies = results.flatMap((run) => run.latenciesNs).sort((a, b) => a - b);
  return {
    runs: results.length,
    ops: results.reduce((total, run) => total + run.stats.ops, 0),
    faultsApplied: results.reduce((total, run) => total + run.stats.faultsApplied, 0),
    violations,
    failedRuns: results.filter((run) => run.verdict === 'illegal').length,
    unknown: results.filter((run) => run.verdict === 'unknown').length,
    latencyP50Ms: percentile(latencies, 0.5) / 1e6,
    latencyP99Ms: percentile(latencies, 0.99) / 1e6,
    seconds,
  };
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** What `info` means, said the first time a newcomer meets it. */
export const infoMeaning = "info: an op whose outcome is unknown (a timeout, a connection lost after sending); it may still take effect, so its client continues as a new process.";

/** What a newcomer needs to read the table and the per-run lines, printed under the table. */
export const summaryLegend = ['p50/p99: latency of the ops that completed ok, from invoke to reply, over all runs.', infoMeaning].join('\n');

export function summaryTable(summary: SessionSummary): string {
  const kinds = Object.entries(summary.violations).map(([kind, count]) => `${kind} ${count}`).join(', ') || 'none';
  return table([
    ['runs', 'ops', 'faults', 'failed runs', 'violations', 'unknown', 'p50 ms', 'p99 ms', 'runs/min'],
    [
      String(summary.runs),
      String(summary.ops),
      String(summary.faultsApplied),
      String(summary.failedRuns),
      kinds,
      String(summary.unknown),
      summary.latencyP50Ms.toFixed(1),
      summary.latencyP99Ms.toFixed(1),
      (summary.runs / Math.max(summary.seconds, 1e-9) * 60).toFixed(1),
    ],
  ]);
}
