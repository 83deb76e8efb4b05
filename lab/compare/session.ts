// Paired runs: for each seed k, the plan planFor(runSeed(root, k), '0', constraints) runs under every
// strategy in turn (A B A B ...), each strategy on its own cluster pool, all pools open for the session.
import { planFor, planHash } from '../gen/index.js';
import type { Strategy } from '../gen/plan.js';
import { writeArtifacts } from '../run/artifacts.js';
import { ClusterPool } from '../run/pool.js';
import type { ProxyBackendChoice } from '../proxy/types.js';
import { runPlan } from '../run/runner.js';
import type { RunLimits } from '../run/runner.js';
import { runSeed } from '../run/seeds.js';
import type { CompareSettings, PairedRun } from './document.js';

export interface ComparisonRequest {
  settings: CompareSettings;
  proxy: ProxyBackendChoice;
  /** A planted bug every node of every strategy runs with (`--bug`), for calibration. */
  bug?: string | undefined;
  limits: Partial<RunLimits>;
  /** Where the artifacts of runs that were not ok go (artifacts/<run-id>); null writes none. */
  artifactsRoot: string | null;
  /** Told about each run as it finishes, and about the proxy backend once. */
  onRun?: (run: PairedRun, done: number, total: number) => void;
  announce?: (line: string) => void;
}

/** The run id names the session's root seed too, so two sessions' artifacts never overwrite each other. */
export function compareRunId(root: number, index: number, strategy: Strategy): string {
  return `compare${root}-k${index}-${strategy}`;
}

export async function runComparison(request: ComparisonRequest): Promise<PairedRun[]> {
  const { settings } = request;
  const pools = settings.strategies.map(
    (strategy, position) =>
      new ClusterPool({
        strategy,
        bug: request.bug,
        proxy: request.proxy,
        // The same seed for every strategy: the nodes' and the embedded proxy's PRNGs start alike.
        seed: settings.root,
        reuse: true,
        ...(position === 0 && request.announce !== undefined ? { announce: request.announce } : {}),
      }),
  );
  const runs: PairedRun[] = [];
  const total = settings.seeds * settings.strategies.length;
  try {
    for (let index = 0; index < settings.seeds; index += 1) {
      const plan = planFor(runSeed(settings.root, index), '0', settings.constraints);
      const hash = planHash(plan);
      for (const pool of pools) {
        const result = await runPlan({ plan, pool, limits: request.limits, artifactsRoot: null, runId: compareRunId(settings.root, index, pool.strategy) });
        if (planHash(result.plan) !== hash) throw new Error(`run ${result.runId} did not run the plan it was given`);
        if (result.verdict !== 'ok' && request.artifactsRoot !== null) {
          result.artifactDir = `${request.artifactsRoot}/${result.runId}`;
          writeArtifacts(result.artifactDir, result);
        }
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
