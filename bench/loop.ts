// bench/loop: real-cluster runs per minute for 3 branches, 100 ops and light faults, with where the
// time goes (cluster acquire, workload, quiescence, checker), reused cluster against a fresh one per run.
// Run: npm run bench:loop [-- --runs 20 --strategy lock-free]
import { parseArgs } from 'node:util';
import { defaultPlanConstraints } from '../lab/plan/index.js';
import type { Plan, RunSeeds, Strategy } from '../lab/plan/index.js';
import { planFor } from '../lab/gen/index.js';
import { opCount } from '../lab/plan/index.js';
import { ClusterPool } from '../lab/run/index.js';
import { table } from '../lab/report/index.js';
import { runPlan } from '../lab/run/index.js';
import type { RunResult } from '../lab/report/index.js';
import { runSeeds } from '../lab/plan/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, strategy: { type: 'string', default: 'lock-free' }, seed: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const strategy = values.strategy as Strategy;
const root = Number(values.seed);
const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: 100, faults: 'light' as const };

const opsMin = 90;

/** The first `count` plans of the seed sequence that have at least opsMin ops: runs of about 100 ops. */
function fullPlans(count: number): { plan: Plan; seeds: RunSeeds }[] {
  const plans: { plan: Plan; seeds: RunSeeds }[] = [];
  for (let index = 0; plans.length < count; index += 1) {
    const seeds = runSeeds(root, index);
    const plan = planFor(seeds.plan, '0', constraints);
    if (opCount(plan) >= opsMin) plans.push({ plan, seeds });
  }
  return plans;
}

async function measure(reuse: boolean, count: number): Promise<{ results: RunResult[]; seconds: number }> {
  const pool = new ClusterPool({ strategy, proxy: 'embedded', reuse, announce: (line) => console.log(line) });
  const results: RunResult[] = [];
  const started = performance.now();
  try {
    for (const { plan, seeds } of fullPlans(count)) {
      results.push(await runPlan({ plan, seeds, pool }));
      if (!reuse) await pool.close();
    }
  } finally {
    await pool.close();
  }
  return { results, seconds: (performance.now() - started) / 1000 };
}

function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / Math.max(values.length, 1);
}

function row(name: string, measured: { results: RunResult[]; seconds: number }): string[] {
  const phases = measured.results.map((run) => run.stats.phasesMs);
  const ops = mean(measured.results.map((run) => run.stats.ops));
  return [
    name,
    String(measured.results.length),
    ((measured.results.length / measured.seconds) * 60).toFixed(1),
    ops.toFixed(0),
    mean(phases.map((phase) => phase.acquire)).toFixed(0),
    mean(phases.map((phase) => phase.workload)).toFixed(0),
    mean(phases.map((phase) => phase.quiesce)).toFixed(0),
    mean(phases.map((phase) => phase.check)).toFixed(0),
    String(measured.results.filter((run) => run.verdict !== 'ok').length),
  ];
}

const reused = await measure(true, runs);
const fresh = await measure(false, Math.max(3, Math.floor(runs / 4)));
console.log(`\nbench:loop  strategy ${strategy}, 3 branches, 90 to 100 ops, light faults, seed ${root}; goal: 30 runs/min or more`);
console.log(
  table([
    ['cluster', 'runs', 'runs/min', 'ops/run', 'acquire ms', 'workload ms', 'quiesce ms', 'check ms', 'not ok'],
    row('reused (reset between runs)', reused),
    row('fresh per run', fresh),
  ]),
);
