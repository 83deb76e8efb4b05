// One run's report.html from its RunResult: the view (view.ts) drawn as one page (page.ts). The artifact
// writer calls it for every kept run; `faultline report <artifact-dir>` calls it on artifacts read back.
import type { RunResult } from '../outcome.js';
import { reportPage } from './page.js';
import { reportView } from './view.js';

export function reportHtml(run: RunResult): string {
  return reportPage(reportView(run, run.messages ?? null), run.plan.workload.branches);
}
