// The words about a failure, in one place: what broke, the plan as a story, the seeds, and the
// commands that replay it. `run`, `explore`, the property suites and compare all print these.
import { describeFault, describePlan, opCount, seedLine } from '../plan/index.js';
import type { Plan } from '../plan/index.js';
import { join } from 'node:path';
import { replayCommand, reportFileName, runCommand } from './names.js';
import type { RunResult } from './outcome.js';
import { unknownCause } from './summary.js';
import { summaryLine } from './summary.js';

/** What a shrink did, for the story's "shrunk in" line. */
export interface ShrinkSummary {
  runs: number;
  ms: number;
  /** Which budget ran out, if one did. */
  budgetSpent?: 'runs' | 'time' | undefined;
}

/** Says that a shrink stopped at its budget, and which flag raises it. */
function budgetNote(shrink: ShrinkSummary): string {
  if (shrink.budgetSpent === 'runs') return ` (the budget of ${shrink.runs} runs ran out, so a smaller plan may still fail: --shrink-runs raises it)`;
  if (shrink.budgetSpent === 'time') return ` (the time budget ran out, so a smaller plan may still fail: --shrink-seconds raises it)`;
  return '';
}

function headline(run: RunResult): string {
  const bug = run.bug === undefined ? '' : `, bug ${run.bug}`;
  const where = `(${run.strategy}${bug}; seed ${run.seeds.root}, index ${run.seeds.index}, path ${run.plan.path})`;
  if (run.verdict === 'unknown') return `UNKNOWN ${where}: ${unknownCause(run) ?? 'no check reached a verdict'}`;
  return `VIOLATION ${run.violations.join(', ')} ${where}`;
}

/** Where to look first: the run's report.html, when it has artifacts. */
export function reportLines(run: RunResult): string[] {
  return run.artifactDir === undefined ? [] : [`report: ${join(run.artifactDir, reportFileName)}`];
}

/** The commands that replay a run: from its artifacts when it has them, and from its seeds always. */
export function replayLines(run: RunResult): string[] {
  const lines = run.artifactDir === undefined ? [] : [`replay: ${replayCommand(run.artifactDir)}`];
  const rerun = runCommand(run.seeds, run.plan, run.strategy, run.bug, run.mode);
  if (rerun !== undefined) lines.push(`rerun:  ${rerun}`);
  return lines;
}

/** The lines a person reads about a failure: what broke, the (shrunk) story, the seeds, how to replay it. */
export function failureStory(run: RunResult, shrink?: ShrinkSummary): string {
  const lines = [headline(run), ...reportLines(run)];
  for (const check of run.checks.filter((item) => item.verdict === 'illegal')) lines.push(`  ${check.kind}: ${check.summary}`);
  if (shrink !== undefined) {
    lines.push(`shrunk in ${shrink.runs} runs (${(shrink.ms / 1000).toFixed(1)} s) to ${opCount(run.plan)} ops and ${run.plan.faultSchedule.length} faults${budgetNote(shrink)}:`);
  }
  lines.push(describePlan(run.plan), seedLine(run.seeds), ...replayLines(run));
  return lines.join('\n');
}

function listed(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`;
}

/** The verdict in one sentence, naming the violated properties and the first thing that broke. */
export function verdictSentence(run: RunResult): string {
  const who = `Strategy ${run.strategy}${run.bug === undefined ? '' : ` with bug ${run.bug}`}`;
  const first = run.checks.find((check) => check.verdict === run.verdict && check.verdict !== 'ok');
  if (run.verdict === 'illegal') return `${who} violated ${listed(run.violations)}: ${first?.summary ?? 'see the checks'}.`;
  if (run.verdict === 'unknown') return `${who} reached no verdict: ${first?.kind ?? 'a check'} is unknown (${first?.summary ?? 'no reason given'}).`;
  return `${who} passed every check it declares (${listed(run.checks.map((check) => check.kind))}).`;
}

/** The plan's shape in one line: cluster, accounts, clients, ops and faults. */
export function planShape(plan: Plan): string {
  const { branches, accounts, clients, steps } = plan.workload;
  const faults = plan.faultSchedule.length === 0 ? 'no faults' : `${plan.faultSchedule.length} faults (${plan.faultSchedule.map((step) => describeFault(step.fault)).join('; ')})`;
  return `${branches.length} branches (${branches.join(', ')}), ${accounts.length} accounts, ${clients} clients, ${steps.length} steps, ${opCount(plan)} ops, ${faults}; path ${plan.path}`;
}

/** The story of any run: the failure story for a violation, the summary and the plan otherwise. */
export function runStory(run: RunResult): string {
  if (run.verdict === 'illegal') return failureStory(run);
  return [summaryLine(run), ...reportLines(run), ...run.checks.filter((check) => check.verdict !== 'ok').map((check) => `  ${check.kind}: ${check.summary}`), describePlan(run.plan), seedLine(run.seeds), ...replayLines(run)].join('\n');
}

/** What a failing property prints: every check that was not ok, the story, and how to replay it. */
export function propertyFailure(run: RunResult): string {
  const failed = run.checks.filter((check) => check.verdict !== 'ok').map((check) => `${check.kind} ${check.verdict}: ${check.summary}`);
  return [`${run.runId}: ${failed.join('; ')}`, ...reportLines(run), describePlan(run.plan), seedLine(run.seeds), ...replayLines(run)].join('\n');
}
