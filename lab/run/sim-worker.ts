// A worker thread of `explore --mode sim --workers N`: takes one seed's trial at a time from the
// parent, runs it (shrinking a failure, writing its artifacts), and posts back what happened.
import { parentPort } from 'node:worker_threads';
import { traceDigest } from './sim-workers.js';
import { ClusterPool } from './pool.js';
import { trial } from './session.js';
import { checkDeterminism, simTraceOf } from './sim-run.js';
import type { SimTask, SimTaskOutcome } from './sim-workers.js';

async function perform(task: SimTask): Promise<SimTaskOutcome> {
  const { plan, seeds, strategy, bug, limits } = task;
  const pool = new ClusterPool({ mode: 'sim', strategy, bug, proxy: 'auto', reuse: true });
  const outcome = await trial(plan, seeds, { pool, limits, artifactsRoot: task.artifactsRoot, shrink: task.shrink, keepPassing: task.keepPassing });
  const trace = simTraceOf(outcome.result) ?? [];
  const digest = traceDigest(trace);
  if (!task.checkDeterminism) return { id: task.id, trial: outcome, traceDigest: digest };
  const determinism = await checkDeterminism({ plan, seeds, strategy, bug, limits }, trace);
  return { id: task.id, trial: outcome, traceDigest: digest, determinism };
}

parentPort?.on('message', (task: SimTask) => {
  perform(task).then(
    (outcome) => parentPort?.postMessage(outcome),
    (error: unknown) => parentPort?.postMessage({ id: task.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
