// bench/sim: cases per minute in the simulator against the real cluster, on the same plans (3
// branches, about 100 ops, light faults), in one run; and where a simulated case's time goes.
// Run: npm run bench:sim [-- --sim-runs 200 --real-runs 5 --workers 2 --strategy lock-free]
import { parseArgs } from 'node:util';
import { planFor } from '../lab/gen/index.js';
import { defaultPlanConstraints, opCount, runSeeds } from '../lab/plan/index.js';
import type { Plan, RunSeeds, Strategy } from '../lab/plan/index.js';
import { table } from '../lab/report/index.js';
import type { RunResult } from '../lab/report/index.js';
import { ClusterPool, defaultSimWorkers, runPlan, runSimPlan, SimWorkers } from '../lab/run/index.js';
import { defaultCpuModel, freeCpuModel } from '../lab/sim/index.js';
import type { CpuModel } from '../lab/sim/index.js';

const { values } = parseArgs({
  options: {
    'sim-runs': { type: 'string', default: '200' }, 'real-runs': { type: 'string', default: '5' }, workers: { type: 'string' },
    strategy: { type: 'string', default: 'lock-free' }, seed: { type: 'string', default: '7' },
    // The nodes' virtual CPU model: the default, 'free' (no CPU time), or a JSON CpuModel.
    cpu: { type: 'string', default: 'default' },
  },
});
const cpuModel: CpuModel = values.cpu === 'default' ? defaultCpuModel : values.cpu === 'free' ? freeCpuModel : { ...defaultCpuModel, ...JSON.parse(values.cpu) as Partial<CpuModel> };
const strategy = values.strategy as Strategy;
const root = Number(values.seed);
const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: 100, faults: 'light' as const };
const opsMin = 90;

/** The first `count` plans of the seed sequence with at least opsMin ops, as bench/loop takes them. */
function fullPlans(count: number): { plan: Plan; seeds: RunSeeds }[] {
  const plans: { plan: Plan; seeds: RunSeeds }[] = [];
  for (let index = 0; plans.length < count; index += 1) {
    const seeds = runSeeds(root, index);
    const plan = planFor(seeds.plan, '0', constraints);
    if (opCount(plan) >= opsMin) plans.push({ plan, seeds });
  }
  return plans;
}

function perMinute(count: number, ms: number): number {
  return (count / ms) * 60_000;
}

interface InlineFigures { ms: number; cpuMs: number; events: number; simulateMs: number; judgeMs: number; virtualMs: number; ops: OpFigures }

/** What the customers saw: every ok op's latency, and how many ops ended indeterminate (info). */
class OpFigures {
  readonly latenciesMs: number[] = [];
  ops = 0;
  indeterminate = 0;

  add(result: RunResult): void {
    for (const ns of result.latenciesNs) this.latenciesMs.push(ns / 1e6);
    for (const event of result.history) {
      if (event.type === 'invoke') this.ops += 1;
      if (event.type === 'info') this.indeterminate += 1;
    }
  }

  describe(): string {
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1);
    const share = ((100 * this.indeterminate) / Math.max(1, this.ops)).toFixed(2);
    return `ok-op latency p50 ${at(0.5)} ms, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${at(1)}; ${this.indeterminate} of ${this.ops} ops indeterminate (${share} %)`;
  }
}

async function simInline(plans: { plan: Plan; seeds: RunSeeds }[]): Promise<InlineFigures> {
  let events = 0;
  let simulateMs = 0;
  let judgeMs = 0;
  let virtualMs = 0;
  const ops = new OpFigures();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const { plan, seeds } of plans) {
    const { result, sim } = await runSimPlan({ plan, seeds, strategy, cpu: cpuModel });
    ops.add(result);
    events += sim.events;
    virtualMs += sim.virtualMs;
    simulateMs += result.stats.phasesMs.workload;
    judgeMs += result.stats.phasesMs.check;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, events, simulateMs, judgeMs, virtualMs, ops };
}

async function simOnWorkers(plans: { plan: Plan; seeds: RunSeeds }[], count: number): Promise<number> {
  const workers = new SimWorkers(count);
  try {
    // Warm each worker (its TypeScript loads once), then time the batch.
    await Promise.all(plans.slice(0, count).map(({ plan, seeds }, id) => workers.run(task(id, plan, seeds))));
    const started = performance.now();
    await Promise.all(plans.map(({ plan, seeds }, id) => workers.run(task(id, plan, seeds))));
    return performance.now() - started;
  } finally {
    await workers.close();
  }
}

function task(id: number, plan: Plan, seeds: RunSeeds) {
  return { id, plan, seeds, strategy, bug: undefined, limits: {}, artifactsRoot: null, shrink: false, keepPassing: false, checkDeterminism: false };
}

async function real(plans: { plan: Plan; seeds: RunSeeds }[], ops: OpFigures): Promise<number> {
  const pool = new ClusterPool({ strategy, proxy: 'auto', reuse: true, announce: (line) => console.log(line) });
  try {
    await runPlan({ ...plans[0] as { plan: Plan; seeds: RunSeeds }, pool }); // starts the cluster: not timed
    const started = performance.now();
    for (const { plan, seeds } of plans) ops.add(await runPlan({ plan, seeds, pool }));
    return performance.now() - started;
  } finally {
    await pool.close();
  }
}

const simRuns = Number(values['sim-runs']);
const realRuns = Number(values['real-runs']);
const workerCount = values.workers === undefined ? defaultSimWorkers() : Number(values.workers);
const plans = fullPlans(Math.max(simRuns, realRuns));
const inline = await simInline(plans.slice(0, simRuns));
const workersMs = workerCount > 1 ? await simOnWorkers(plans.slice(0, simRuns), workerCount) : inline.ms;
const realOps = new OpFigures();
const realMs = realRuns > 0 ? await real(plans.slice(0, realRuns), realOps) : NaN;
const simBest = Math.max(perMinute(simRuns, inline.ms), perMinute(simRuns, workersMs));
const realRate = perMinute(realRuns, realMs);
console.log(table([
  ['mode', 'cases', 'cases/min', 'ms/case'],
  ['sim, 1 thread', String(simRuns), perMinute(simRuns, inline.ms).toFixed(0), (inline.ms / simRuns).toFixed(1)],
  [`sim, ${workerCount} workers`, String(simRuns), perMinute(simRuns, workersMs).toFixed(0), (workersMs / simRuns).toFixed(1)],
  ['real', String(realRuns), realRate.toFixed(1), (realMs / realRuns).toFixed(0)],
]));
console.log(`sim/real: ${(simBest / realRate).toFixed(0)}x (same ${strategy} plans, 3 branches, ${opsMin}+ ops, light faults)`);
console.log(`a sim case: ${(inline.events / simRuns).toFixed(0)} events, ${(inline.virtualMs / simRuns / 1000).toFixed(1)} s of virtual time; ` +
  `${(inline.simulateMs / simRuns).toFixed(1)} ms simulating (node code, SQLite, the loop) and ${(inline.judgeMs / simRuns).toFixed(1)} ms judging; ` +
  `${(inline.cpuMs / simRuns).toFixed(1)} ms of CPU (this process, every thread)`);
console.log(`sim:  ${inline.ops.describe()}`);
if (realRuns > 0) console.log(`real: ${realOps.describe()}`);
