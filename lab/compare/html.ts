// compare.html: one self-contained page (uPlot and its license inlined from node_modules at report time,
// so it works offline) with the tables, latency CDFs, throughput timelines and the verdict grid.
import { readFileSync } from 'node:fs';
import { chartLibrary, chartScripts, documentHead, escapeHtml, scriptJson } from '../report/index.js';
import type { CompareDocument, GridCell } from './document.js';
import { pairedSeedsMin } from './bootstrap.js';
import { consistencyRows, differenceRows, formatNumber, performanceRows, verdictRows } from './table.js';
import { packagePath } from '../plan/index.js';

function chartsScript(): string {
  return readFileSync(packagePath('lab', 'compare', 'charts.browser.js'), 'utf8');
}

export { escapeHtml };

function htmlTable(rows: readonly (readonly string[])[], className: string): string {
  const [header, ...body] = rows;
  const head = `<tr>${(header ?? []).map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>`;
  const lines = body.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`);
  return `<table class="${className}"><thead>${head}</thead><tbody>${lines.join('')}</tbody></table>`;
}

export function runAnchor(index: number, strategy: string): string {
  return `run-${index}-${strategy}`;
}

function cellHtml(index: number, cell: GridCell): string {
  const text = cell.verdict === 'illegal' ? `ILLEGAL: ${cell.violations.join(', ')}` : cell.verdict;
  const anchor = runAnchor(index, cell.strategy);
  return `<td class="verdict verdict-${cell.verdict}"><a href="#${anchor}" title="${escapeHtml(cell.command)}">${escapeHtml(text)}</a></td>`;
}

function gridHtml(document: CompareDocument): string {
  const { strategies } = document.settings;
  const head = `<tr><th>seed</th><th>plan</th>${strategies.map((strategy) => `<th>${escapeHtml(strategy)}</th>`).join('')}</tr>`;
  const rows = document.grid.map((row) => {
    const cells = strategies.map((strategy) => {
      const cell = row.cells.find((item) => item.strategy === strategy);
      return cell === undefined ? '<td>-</td>' : cellHtml(row.index, cell);
    });
    return `<tr><td>${row.index}: ${row.seed}</td><td><code>${row.planHash.slice(0, 12)}</code></td>${cells.join('')}</tr>`;
  });
  const commands = document.grid.flatMap((row) =>
    row.cells.map((cell) => `<li id="${runAnchor(row.index, cell.strategy)}"><code>${escapeHtml(cell.command)}</code></li>`),
  );
  return `<table class="grid"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>
<h3>Replay commands</h3>
<ol class="commands">${commands.join('')}</ol>`;
}

/** Per run, each strategy's price for its serialization, as bars scaled to the largest value in the column. */
function tradeOffHtml(document: CompareDocument): string {
  const columns: { label: string; value: (summary: CompareDocument['summaries'][number]) => number }[] = [
    { label: 'conflict retries / run', value: (summary) => summary.conflictRetries / Math.max(1, summary.runs) },
    { label: 'lock waits / run', value: (summary) => summary.lockWaits / Math.max(1, summary.runs) },
    { label: 'lease expiries / run', value: (summary) => summary.leaseExpiries / Math.max(1, summary.runs) },
    { label: 'blocked in partitions, ms / run', value: (summary) => summary.blockedMs / Math.max(1, summary.runs) },
    { label: 'ok ops/s', value: (summary) => summary.opsPerSecond },
    { label: 'ok ops/s under partition', value: (summary) => summary.okPerSecondUnderPartition },
  ];
  const head = `<tr><th>strategy</th>${columns.map((column) => `<th>${escapeHtml(column.label)}</th>`).join('')}</tr>`;
  const largest = columns.map((column) => Math.max(...document.summaries.map(column.value), Number.MIN_VALUE));
  const rows = document.summaries.map((summary) => {
    const cells = columns.map((column, position) => {
      const value = column.value(summary);
      const widthPercent = Math.round((value / (largest[position] ?? 1)) * 100);
      return `<td><div class="bar" style="width:${widthPercent}%"></div>${formatNumber(value)}</td>`;
    });
    return `<tr><th class="strategy-${escapeHtml(summary.strategy)}">${escapeHtml(summary.strategy)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="trade-off"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

const pageStyle = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
thead th { background: #f3f3f3; }
.verdict-ok { background: #dff5e1; } .verdict-illegal { background: #f9d6d5; font-weight: bold; } .verdict-unknown { background: #fff1c9; }
.verdict a { color: inherit; text-decoration: none; display: block; }
.commands li:target { background: #fff1c9; }
.trade-off td { position: relative; min-width: 120px; }
.trade-off .bar { position: absolute; left: 0; top: 0; bottom: 0; background: rgba(31, 119, 180, 0.18); z-index: -1; }
.trade-off td { z-index: 0; }
.call-win { font-weight: bold; }
.chart-title { margin-top: 12px; font-weight: 600; }
.legend-partition { background: rgba(214, 39, 40, 0.22); padding: 0 6px; } .legend-other { background: rgba(255, 160, 40, 0.18); padding: 0 6px; }
`;

/**
 * The paired differences, or, when no comparison has enough seeds to call a difference, one sentence
 * saying so: a table of rows that all read "too few seeds" tells the reader nothing.
 */
function differencesHtml(document: CompareDocument, table: string): string {
  const enough = document.differences.some((difference) => difference.seeds >= pairedSeedsMin);
  if (!enough) {
    return `<p class="too-few">With ${document.settings.seeds} seed${document.settings.seeds === 1 ? '' : 's'}, fewer than the ${pairedSeedsMin} a bootstrap interval needs, no difference between the strategies can be called; the mean differences are in compare.json. Run <code>--seeds ${pairedSeedsMin}</code> or more.</p>`;
  }
  return `<p>Second minus first, seed by seed, with a bootstrap 95&nbsp;% confidence interval of the mean. An interval that spans 0 is called no difference.</p>\n${table}`;
}

export function compareHtml(document: CompareDocument): string {
  const { settings } = document;
  const title = `faultline compare: ${settings.strategies.join(' vs ')}`;
  const differenceTable = htmlTable(differenceRows(document.differences), 'differences').replaceAll(/<td>([^<]+ better)<\/td>/g, '<td class="call-win">$1</td>');
  return `${documentHead(title, [chartLibrary().style, pageStyle])}
<body>
<h1>${escapeHtml(title)}</h1>
<p>${settings.seeds} seeds from root seed <code>${settings.root}</code>; contention ${escapeHtml(settings.constraints.contention)}, faults ${escapeHtml(settings.constraints.faults)}${settings.constraints.workload === undefined ? '' : `, workload ${escapeHtml(settings.constraints.workload)}`}, proxy ${escapeHtml(settings.proxy)}; every strategy ran the same plan for each seed, alternately; ${formatNumber(document.seconds)} s in all.</p>
<h2>Verdicts</h2>
${htmlTable(verdictRows(document.summaries), 'verdicts')}
<h2>Trade-off at a glance</h2>
${tradeOffHtml(document)}
<h2>Consistency</h2>
<p>Runs per rung: the strongest each history satisfied (linearizable; sequential, one order that keeps each client's own order; the four session guarantees; eventually consistent, the replicas converged after the heal; none). Staleness: reads that missed a write acknowledged before they were invoked.</p>
${htmlTable(consistencyRows(document.summaries), 'consistency')}
<h2>Performance</h2>
<p>Ops summed over runs; ops/s the mean of runs; latency over all ok ops; node counters summed over runs.</p>
${htmlTable(performanceRows(document.summaries), 'performance')}
<h2>Paired differences per seed</h2>
${differencesHtml(document, differenceTable)}
<h2>Latency CDF (ok ops, all runs)</h2>
<div id="latency-cdf"></div>
<h2>Staleness of stale reads (all runs)</h2>
<p>How far behind the newest acknowledged write each stale read was when it was invoked, in ms.</p>
<div id="staleness-cdf"></div>
<h2>Throughput over time</h2>
<p>ok completions per ${document.timelines[0]?.bucketMs ?? 100} ms, as ops/s; shaded: <span class="legend-partition">partition</span> <span class="legend-other">other fault</span>. <label>Run of <select id="timeline-seed"></select></label></p>
<div id="throughput"></div>
<h2>Verdict grid</h2>
<p>Each cell links to the command that replays that run (hover to read it).</p>
${gridHtml(document)}
<script type="application/json" id="compare-data">${scriptJson({ settings, latencyCdf: document.latencyCdf, stalenessCdf: document.stalenessCdf, timelines: document.timelines, grid: document.grid })}</script>
${chartScripts(chartsScript())}
</body>
</html>
`;
}
