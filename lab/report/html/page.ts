// report.html: one self-contained page per run (styles, data, uPlot and the drawing script inlined, so
// it works offline): the verdict, the timeline, the witness, the messages, the final states, latency.
import { readFileSync } from 'node:fs';
import { chartLibrary, chartScripts, documentHead } from './document.js';
import { escapeHtml, linkOps, scriptJson } from './escape.js';
import { lamportSvg, messagesFileName } from './messages.js';
import { reportStyle } from './style.js';
import type { ReportView } from './view.js';
import { packagePath } from '../../plan/index.js';

/** The drawing script of report.html, read once per process: a session writes a report for every run it keeps. */
let drawing: string | undefined;

function drawingScript(): string {
  drawing ??= readFileSync(packagePath('lab', 'report', 'html', 'report.browser.js'), 'utf8');
  return drawing;
}

function table(header: readonly string[], rows: readonly string[][]): string {
  return `<table><thead><tr>${header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.join('')}</tr>`).join('')}</tbody></table>`;
}

function cell(text: string, className = ''): string {
  return `<td${className === '' ? '' : ` class="${className}"`}>${linkOps(text)}</td>`;
}

function headerHtml(view: ReportView): string {
  const [first, ...others] = view.commands;
  const checks = table(['check', 'verdict', 'summary'], view.checks.map((check) => [cell(check.kind), cell(check.verdict, `verdict-${check.verdict}`), cell(check.summary)]));
  return `<h1 class="sentence verdict-${view.verdict}" id="verdict">${linkOps(view.sentence)}</h1>
<p class="replay"><code id="replay-command">${escapeHtml(first ?? '')}</code> <button type="button" id="copy-replay">copy</button></p>
${others.map((command) => `<p class="replay"><code>${escapeHtml(command)}</code></p>`).join('')}
<dl class="facts"><dt>seeds</dt><dd><code>${escapeHtml(view.seedLine)}</code></dd><dt>strategy</dt><dd>${escapeHtml(view.strategy)}${view.bug === null ? '' : `, bug ${escapeHtml(view.bug)}`}</dd><dt>plan</dt><dd>${escapeHtml(view.planShape)}</dd></dl>
${checks}
<details><summary>The story (what <code>faultline run</code> prints)</summary><pre class="story">${linkOps(view.story)}</pre></details>`;
}

function linearizationHtml(view: ReportView): string {
  const witness = view.linearization;
  if (witness === null) return '';
  const steps = witness.longest.map((step, order) => `<li value="${order + 1}">${linkOps(`op ${step.index}`)}: ${escapeHtml(step.operation)}, then <code>${escapeHtml(step.state)}</code></li>`);
  const blocked = witness.blocked === null ? '<p>The search found no single op to blame.</p>' : `<p class="blocked-op">Then ${linkOps(`op ${witness.blocked.index}`)}, <strong>${escapeHtml(witness.blocked.operation)}</strong>, cannot be placed: after that prefix the model holds <code>${escapeHtml(witness.stateBefore)}</code>, and the search found no order of the remaining ops that gives it a legal point before it returned.</p>`;
  return `<h3>Linearizability</h3>
<p>${linkOps(witness.summary)}.</p>
<p>From the initial state <code>${escapeHtml(witness.initialState)}</code>, the longest linearizable prefix the checker found has ${witness.longest.length} ops (numbered on the timeline, joined by their linearization points):</p>
<ol class="longest">${steps.join('')}</ol>
${blocked}`;
}

function accountsHtml(view: ReportView): string {
  const invariants = view.checks.filter((check) => check.kind !== 'linearizability' && check.verdict === 'illegal');
  if (invariants.length === 0) return '';
  const details = invariants.flatMap((check) => (Array.isArray(check.details) ? (check.details as unknown[]).map((line) => `${check.kind}: ${String(line)}`) : [`${check.kind}: ${check.summary}`]));
  const branches = view.accounts[0]?.finals.map((final) => final.branch) ?? [];
  const rows = view.accounts.map((row) => {
    const expected = row.expectedLow === row.expectedHigh ? String(row.expectedLow) : `${row.expectedLow} to ${row.expectedHigh}`;
    const finals = row.finals.map((final) => cell(final.balance === null ? 'absent' : String(final.balance), final.off ? 'off' : ''));
    return [cell(row.account), cell(String(row.initial)), cell(`+${row.deposited}`), cell(`−${row.withdrawn}`), cell(`+${row.transferredIn} −${row.transferredOut}`), cell(expected), ...finals];
  });
  const implicated = view.implicated.length === 0 ? '' : `<p>The ops behind it (outlined on the timeline): ${view.implicated.slice(0, 200).map((index) => linkOps(`op ${index}`)).join(', ')}${view.implicated.length > 200 ? ', ...' : ''}</p>`;
  return `<h3>Invariants</h3>
<ul class="invariant-details">${details.map((line) => `<li>${linkOps(line)}</li>`).join('')}</ul>
<p>What the acknowledged ops say each account should hold (a range where an op's outcome is unknown), and what each branch holds; a balance outside it is marked.</p>
${table(['account', 'initial', 'deposits', 'withdrawals', 'transfers', 'expected', ...branches], rows)}
${implicated}`;
}

function witnessHtml(view: ReportView): string {
  const body = linearizationHtml(view) + accountsHtml(view);
  return body === '' ? '<p>No check failed, so there is no witness to show.</p>' : body;
}

function statesHtml(view: ReportView): string {
  if (view.states.branches.length === 0) return '<p>The run read no final states.</p>';
  const rows = view.states.rows.map((row) => [cell(row.name), ...row.cells.map((item) => cell(item.value, item.differs ? 'differs' : ''))]);
  return `<p>After the heal and the quiescence wait; a value that is not what most branches hold is marked.</p>${table(['', ...view.states.branches], rows)}`;
}

function messagesHtml(view: ReportView, branches: readonly string[]): string {
  if (view.messages === null) return `<p>This run recorded no messages. When a run writes <code>${messagesFileName}</code> (its format is defined in <code>lab/report/html/messages.ts</code>), its messages are drawn here.</p>`;
  return lamportSvg(branches, view.messages, view.faults);
}

/** The data the drawing script reads: the timeline's boxes, faults and witness, and the latencies. */
function pageData(view: ReportView): unknown {
  return { rows: view.rows, lanes: view.lanes, ops: view.ops, faults: view.faults, marks: view.marks, linearization: view.linearization, implicated: view.implicated };
}

export function reportPage(view: ReportView, branches: readonly string[]): string {
  return `${documentHead(view.title, [chartLibrary().style, reportStyle])}
<body>
<section id="summary">${headerHtml(view)}</section>
<section id="timeline-section"><h2>Timeline</h2>
<p class="legend">One lane per client process, time flowing down (a row per event). <span class="op ok key">ok</span> <span class="op fail key">fail</span> <span class="op info key">info</span> <span class="key band-partition">partition</span> <span class="key band-other">other fault</span> <span class="key band-kill">kill</span>. Hover a box for its times; each box is the anchor <code>#op-N</code>.</p>
<div id="timeline-scroll"><div id="timeline"></div></div><div id="tooltip" hidden></div></section>
<section id="witness"><h2>Witness</h2>${witnessHtml(view)}</section>
<section id="messages"><h2>Messages</h2>${messagesHtml(view, branches)}</section>
<section id="final-states"><h2>Final states</h2>${statesHtml(view)}</section>
<section id="latency-section"><h2>Latency over time</h2><p>Each completed op at its completion time; faults shaded.</p><div id="latency"></div></section>
<script type="application/json" id="report-data">${scriptJson(pageData(view))}</script>
${chartScripts(drawingScript())}
</body>
</html>
`;
}
