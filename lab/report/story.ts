// The words about a failure, in one place: what broke, the plan as a story, the seeds, and the
// commands that replay it. `run`, `explore`, the property suites and compare all print these.
import { describePlan, opCount, seedLine } from '../plan/index.js';
import { replayCommand, runCommand } from './artifacts.js';
import type { RunResult } from './outcome.js';

/** What a shrink did, for the story's "shrunk in" line. */
export interface ShrinkSummary {
  runs: number;
  ms: number;
}

function headline(run: RunResult): string {
  const bug = run.bug === undefined ? '' : `, bug ${run.bug}`;
  return `VIOLATION ${run.violations.join(', ')} (${run.strategy}${bug}; seed ${run.seeds.root}, index ${run.seeds.index}, path ${run.plan.path})`;
}

/** The commands that replay a run: from its artifacts when it has them, and from its seeds always. */
export function replayLines(run: RunResult): string[] {
  const lines = run.artifactDir === undefined ? [] : [`replay: ${replayCommand(run.artifactDir)}`];
  lines.push(`rerun:  ${runCommand(run.seeds, run.plan, run.strategy, run.bug)}`);
  return lines;
}

/** The lines a person reads about a failure: what broke, the (shrunk) story, the seeds, how to replay it. */
export function failureStory(run: RunResult, shrink?: ShrinkSummary): string {
  const lines = [headline(run)];
  for (const check of run.checks.filter((item) => item.verdict === 'illegal')) lines.push(`  ${check.kind}: ${check.summary}`);
  if (shrink !== undefined) {
    lines.push(`shrunk in ${shrink.runs} runs (${(shrink.ms / 1000).toFixed(1)} s) to ${opCount(run.plan)} ops and ${run.plan.faultSchedule.length} faults:`);
  }
  lines.push(describePlan(run.plan), seedLine(run.seeds), ...replayLines(run));
  return lines.join('\n');
}

/** What a failing property prints: every check that was not ok, the story, and how to replay it. */
export function propertyFailure(run: RunResult): string {
  const failed = run.checks.filter((check) => check.verdict !== 'ok').map((check) => `${check.kind} ${check.verdict}: ${check.summary}`);
  return [`${run.runId}: ${failed.join('; ')}`, describePlan(run.plan), seedLine(run.seeds), ...replayLines(run)].join('\n');
}
