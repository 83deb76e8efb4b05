// What a failing property prints: the violations, the plan as a story, and how to replay it.
import { describePlan } from '../lab/gen/story.js';
import type { RunResult } from '../lab/run/runner.js';

export function failureMessage(result: RunResult): string {
  const failed = result.checks.filter((check) => check.verdict !== 'ok').map((check) => `${check.kind} ${check.verdict}: ${check.summary}`);
  const replay = result.artifactDir === undefined ? '' : `\nreplay: npx faultline replay ${result.artifactDir}`;
  return `${result.runId}: ${failed.join('; ')}\n${describePlan(result.plan)}${replay}`;
}
