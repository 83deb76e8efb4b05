// artifacts/<explore-id>/index.html: one row per run of an explore (failures first), each linking to
// its report.html, under a summary of the session. Self-contained, like the reports it links.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { claimDirectory } from '../artifacts.js';
import type { RunResult } from '../outcome.js';
import { summarize } from '../summary.js';
import { escapeHtml } from './escape.js';
import { reportFileName } from '../names.js';
import { reportStyle } from './style.js';

export interface ExploreRun {
  result: RunResult;
  /** The shrunk failure, when the run was shrunk. */
  shrunk?: RunResult;
}

export interface ExploreIndexInput {
  rootSeed: number;
  strategy: string;
  runs: readonly ExploreRun[];
  seconds: number;
}

const verdictOrder: Record<RunResult['verdict'], number> = { illegal: 0, unknown: 1, ok: 2 };

function link(run: RunResult | undefined, directory: string, text: string): string {
  if (run?.artifactDir === undefined) return '';
  const href = relative(directory, `${run.artifactDir}/${reportFileName}`).split('\\').join('/');
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

function rowHtml(run: ExploreRun, directory: string): string {
  const { result } = run;
  const verdict = result.verdict === 'illegal' ? `ILLEGAL: ${result.violations.join(', ')}` : result.verdict;
  const reports = [link(result, directory, 'report'), link(run.shrunk, directory, 'shrunk')].filter((item) => item !== '').join(' · ');
  const cells = [
    `${result.seeds.root} / ${result.seeds.index}`,
    verdict,
    String(result.stats.ops),
    String(result.stats.faultsApplied),
    `${(result.stats.durationMs / 1000).toFixed(1)} s`,
  ].map((text) => `<td>${escapeHtml(text)}</td>`);
  return `<tr class="verdict-${result.verdict}">${cells.join('')}<td>${reports === '' ? 'not kept (pass with --report always)' : reports}</td></tr>`;
}

/** The page; `directory` is where it will be written, so its links are relative and the tree can move. */
export function exploreIndexHtml(input: ExploreIndexInput, directory: string): string {
  const summary = summarize(input.runs.map((run) => run.result), input.seconds);
  const kinds = Object.entries(summary.violations).map(([kind, count]) => `${kind} ${count}`).join(', ') || 'none';
  const sorted = input.runs.map((run, position) => ({ run, position })).sort((a, b) => verdictOrder[a.run.result.verdict] - verdictOrder[b.run.result.verdict] || a.position - b.position);
  const perMinute = (summary.runs / Math.max(input.seconds, 1e-9)) * 60;
  const title = `faultline explore: root seed ${input.rootSeed}, ${input.strategy}`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${reportStyle}</style></head>
<body>
<h1 class="verdict-${summary.failedRuns > 0 ? 'illegal' : summary.unknown > 0 ? 'unknown' : 'ok'}">${escapeHtml(title)}</h1>
<dl class="facts" id="summary"><dt>runs</dt><dd>${summary.runs}</dd><dt>failed runs</dt><dd>${summary.failedRuns}</dd><dt>violations by kind</dt><dd>${escapeHtml(kinds)}</dd><dt>unknowns</dt><dd>${summary.unknown}</dd><dt>runs per minute</dt><dd>${perMinute.toFixed(1)}</dd><dt>ops, faults</dt><dd>${summary.ops} ops, ${summary.faultsApplied} faults</dd></dl>
<table id="runs"><thead><tr><th>seed / index</th><th>verdict</th><th>ops</th><th>faults</th><th>duration</th><th>report</th></tr></thead>
<tbody>${sorted.map((item) => rowHtml(item.run, directory)).join('')}</tbody></table>
</body>
</html>
`;
}

export const exploreIndexFileName = 'index.html';

/** Writes artifacts/explore-s<seed>[-N]/index.html (a new directory each time); returns the file's path. */
export function writeExploreIndex(root: string, input: ExploreIndexInput): string {
  const directory = claimDirectory(root, `explore-s${input.rootSeed}`);
  const path = join(directory, exploreIndexFileName);
  writeFileSync(path, exploreIndexHtml(input, directory));
  return path;
}
