// Paired runs: for each k, run k's seeds (runSeeds(root, k)) and its plan run under every strategy in
// turn (A B A B ...), each strategy on its own cluster pool, all pools open for the session.
import { assert } from '../../models/index.js';
import { planFor } from '../gen/index.js';
import { planHash, runSeeds } from '../plan/index.js';
import type { Bug } from '../plan/index.js';
import type { ProxyBackendChoice } from '../proxy/index.js';
import { keepsArtifacts, writeArtifacts } from '../report/index.js';
import { ClusterPool, runPlan } from '../run/index.js';
import type { RunLimits, RunMode } from '../run/index.js';
import type { CompareSettings, PairedRun } from './document.js';

export interface ComparisonRequest {
  settings: CompareSettings;
  proxy: ProxyBackendChoice;
  /** A planted bug every node of every strategy runs with (`--bug`), for calibration. */
  bug?: Bug | undefined;
  /** real (default) or sim: every strategy's runs in the same mode. */
  mode?: RunMode;
  limits: Partial<RunLimits>;
  /** Where the artifacts of runs that were not ok go (artifacts/<run-id>); null writes none. */
  artifactsRoot: string | null;
  /** Told about each run as it finishes, and about the proxy backend once. */
  onRun?: (run: PairedRun, done: number, total: number) => void;
  announce?: (line: string) => void;
}

export async function runComparison(request: ComparisonRequest): Promise<PairedRun[]> {
  const { settings } = request;
  const pools = settings.strategies.map(
    (strategy, position) =>
      new ClusterPool({
        mode: request.mode ?? 'real',
        strategy,
        bug: request.bug,
        proxy: request.proxy,
        reuse: true,
        ...(position === 0 && request.announce !== undefined ? { announce: request.announce } : {}),
      }),
  );
  const runs: PairedRun[] = [];
  const total = settings.seeds * settings.strategies.length;
  try {
    for (let index = 0; index < settings.seeds; index += 1) {
      // The same seeds for every strategy: the plan, and the nodes' and the embedded proxy's PRNGs.
      const seeds = runSeeds(settings.root, index);
      const plan = planFor(seeds.plan, '0', settings.constraints);
      const hash = planHash(plan);
      for (const pool of pools) {
        const result = await runPlan({ plan, seeds, pool, limits: request.limits });
        assert(planHash(result.plan) === hash, () => `run ${result.runId} did not run the plan it was given`);
        if (request.artifactsRoot !== null && keepsArtifacts(result.verdict, false)) result.artifactDir = writeArtifacts(request.artifactsRoot, result);
        const run = { index, result };
        runs.push(run);
        request.onRun?.(run, runs.length, total);
      }
    }
  } finally {
    await Promise.allSettled(pools.map((pool) => pool.close()));
  }
  return runs;
}
