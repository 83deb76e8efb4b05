// The terminal report of a comparison: verdicts, performance, the trade-off in one line per strategy,
// and the paired differences with their confidence intervals. Text only; built from a CompareDocument.
import { consistencyRungs } from '../../models/index.js';
import { verdictText } from '../report/index.js';
import { table } from '../report/index.js';
import type { CompareDocument, MetricComparison, StrategySummary } from './document.js';

export function formatNumber(value: number | null, digits = 1): string {
  if (value === null || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}

export function violationText(violations: Record<string, number>): string {
  const entries = Object.entries(violations);
  return entries.length === 0 ? 'none' : entries.map(([kind, runs]) => `${kind} ${runs}`).join(', ');
}

export function verdictRows(summaries: readonly StrategySummary[]): string[][] {
  return [
    ['strategy', 'runs', 'ok', 'illegal', 'unknown', 'violations (runs)'],
    ...summaries.map((summary) => [
      summary.strategy,
      String(summary.runs),
      String(summary.verdicts.ok),
      String(summary.verdicts.illegal),
      String(summary.verdicts.unknown),
      violationText(summary.violations),
    ]),
  ];
}

/** One row per strategy, one column per rung (runs that reached it), then staleness. */
export function consistencyRows(summaries: readonly StrategySummary[]): string[][] {
  const broken = (summary: StrategySummary): string => Object.entries(summary.consistency.sessionBroken).map(([guarantee, runs]) => `${guarantee} ${runs}`).join(', ') || 'none';
  return [
    ['strategy', ...consistencyRungs, 'session guarantees broken (runs)', 'stale reads', 'p99 versions behind', 'p99 ms behind', 'max ms behind'],
    ...summaries.map((summary) => [
      summary.strategy,
      ...consistencyRungs.map((rung) => String(summary.consistency.rungs[rung])),
      broken(summary),
      `${summary.consistency.staleReads} of ${summary.consistency.reads}`,
      String(summary.consistency.versionsBehindP99),
      formatNumber(summary.consistency.msBehindP99),
      formatNumber(summary.consistency.msBehindMax),
    ]),
  ];
}

export function performanceRows(summaries: readonly StrategySummary[]): string[][] {
  return [
    ['strategy', 'ok ops', 'fail', 'info', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'retries', 'lock waits', 'lock wait ms', 'lease expiries', 'partition ms', 'blocked ms'],
    ...summaries.map((summary) => [
      summary.strategy,
      String(summary.ok),
      String(summary.fail),
      String(summary.info),
      formatNumber(summary.opsPerSecond),
      formatNumber(summary.latencyP50Ms),
      formatNumber(summary.latencyP90Ms),
      formatNumber(summary.latencyP99Ms),
      String(summary.conflictRetries),
      String(summary.lockWaits),
      String(Math.round(summary.lockWaitMs)),
      String(summary.leaseExpiries),
      String(Math.round(summary.partitionMs)),
      String(Math.round(summary.blockedMs)),
    ]),
  ];
}

/** Per run, what each strategy pays for its kind of serialization: the trade-off at a glance. */
export function tradeOffLine(summary: StrategySummary): string {
  const perRun = (total: number): string => formatNumber(summary.runs === 0 ? null : total / summary.runs);
  return `${summary.strategy}: ${perRun(summary.conflictRetries)} conflict retries/run, ${perRun(summary.lockWaits)} lock waits/run (${perRun(summary.lockWaitMs)} ms), ${perRun(summary.leaseExpiries)} lease expiries/run, ${perRun(summary.blockedMs)} ms blocked in partitions/run, ${summary.okPerSecondUnderPartition.toFixed(1)} ok ops/s under partition`;
}

function signed(value: number): string {
  const text = formatNumber(value, 2);
  return value > 0 ? `+${text}` : text;
}

function interval(low: number | null, high: number | null): string {
  return low === null || high === null ? '-' : `[${signed(low)}, ${signed(high)}]`;
}

export function differenceRows(differences: readonly MetricComparison[]): string[][] {
  return [
    ['comparison', 'metric', 'seeds', 'mean difference', '95% CI', 'call'],
    ...differences.map((item) => [
      `${item.second} - ${item.first}`,
      `${item.label} (${item.unit})`,
      String(item.seeds),
      signed(item.mean),
      interval(item.low, item.high),
      item.call,
    ]),
  ];
}

export function verdictGridRows(document: CompareDocument): string[][] {
  const header = ['seed', ...document.settings.strategies];
  const rows = document.grid.map((row) => [
    `${row.index}: ${row.seed}`,
    ...document.settings.strategies.map((strategy) => {
      const cell = row.cells.find((item) => item.strategy === strategy);
      if (cell === undefined) return '-';
      return verdictText(cell.verdict, cell.violations);
    }),
  ]);
  return [header, ...rows];
}

export function compareReport(document: CompareDocument): string {
  const { settings } = document;
  const shape = settings.constraints.workload === undefined ? '' : `, workload ${settings.constraints.workload}`;
  const constraints = `contention ${settings.constraints.contention}, faults ${settings.constraints.faults}${shape}`;
  return [
    `faultline compare: ${settings.strategies.join(' vs ')} on ${settings.seeds} seeds from root ${settings.root} (${constraints}, proxy ${settings.proxy}), ${formatNumber(document.seconds)} s`,
    '',
    'verdicts',
    table(verdictRows(document.summaries)),
    '',
    'performance (ops over all runs; ops/s the mean of runs; latency over all ok ops; counters summed over runs)',
    table(performanceRows(document.summaries)),
    '',
    'trade-off',
    ...document.summaries.map((summary) => `  ${tradeOffLine(summary)}`),
    '',
    'consistency (runs that reached each rung, the strongest each history satisfied; staleness of reads)',
    table(consistencyRows(document.summaries)),
    '',
    'paired differences per seed (bootstrap 95% CI of the mean; an interval spanning 0 is no difference)',
    table(differenceRows(document.differences)),
    '',
    'verdict grid',
    table(verdictGridRows(document)),
  ].join('\n');
}
