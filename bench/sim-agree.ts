// bench/sim-agree: do failures found in the simulator reproduce on the real cluster, and the other
// way round? Takes the first N failing seeds of each mode: each sim failure is replayed on the real
// cluster --times times (as `replay --mode real --times 5`), each real failure once in the simulator
// (a replay there is exact), with the default virtual CPU model and with none. For every failure
// that does not reproduce it prints the plan's fault kinds, to say which simulated meaning differs.
// A sim failure's real replays stop its nodes where the simulator's CPU stalled them (`--stalls sim`,
// as `replay --mode real` does; `--stalls none` to replay without).
// Run: npm run bench:sim-agree [-- --failures 20 --times 5 --strategy lock-free --bug no-dedup --faults light --stalls sim
//      --real-found /tmp/no-dedup.json [--real-to-sim-only | --sim-to-real-only]]   (--real-found keeps the real failures found, and reuses them)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { planFor } from '../lab/gen/index.js';
import { defaultPlanConstraints, faultLevels, runSeeds } from '../lab/plan/index.js';
import type { Bug, FaultLevel, Plan, Strategy } from '../lab/plan/index.js';
import { ClusterPool, runPlan, runSimPlan, stallReplays } from '../lab/run/index.js';
import type { RunMode, StallReplay } from '../lab/run/index.js';
import { freeCpuModel } from '../lab/sim/index.js';

const { values } = parseArgs({
  options: {
    failures: { type: 'string', default: '20' }, times: { type: 'string', default: '5' }, strategy: { type: 'string', default: 'unsafe' },
    bug: { type: 'string' }, faults: { type: 'string', default: 'light' }, ops: { type: 'string', default: '24' },
    'seeds-max': { type: 'string', default: '400' }, root: { type: 'string', default: '4242' }, 'real-found': { type: 'string' },
    stalls: { type: 'string', default: 'sim' },
    // Only replay the real failures in sim (with --real-found, no real run at all): after a change to the simulator.
    'real-to-sim-only': { type: 'boolean', default: false },
    // Only replay the sim failures for real: the half a change to the simulator moves, without the long search for real failures.
    'sim-to-real-only': { type: 'boolean', default: false },
  },
});
const faults = values.faults as FaultLevel;
if (!faultLevels.includes(faults)) throw new Error(`--faults must be one of ${faultLevels.join('|')}`);
const strategy = values.strategy as Strategy;
const bug = values.bug as Bug | undefined;
const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: Number(values.ops), faults };
const wanted = Number(values.failures);
const times = Number(values.times);
const seedsMax = Number(values['seeds-max']);
const root = Number(values.root);
const name = `${strategy}${bug === undefined ? '' : ` + ${bug}`}`;

const stalls = values.stalls as StallReplay;
if (!stallReplays.includes(stalls)) throw new Error(`--stalls must be one of ${stallReplays.join('|')}`);

/** A pool of `mode`; `replaying` a sim failure for real, its nodes stall where the simulator's did. */
function pool(mode: RunMode, replaying = false): ClusterPool {
  return new ClusterPool({ mode, strategy, bug, proxy: 'auto', reuse: true, ...(replaying ? { stalls } : {}) });
}

function planOf(index: number): { plan: Plan; seeds: ReturnType<typeof runSeeds> } {
  const seeds = runSeeds(root, index);
  return { plan: planFor(seeds.plan, '0', constraints), seeds };
}

/** The plan's fault kinds, as a disagreement is described: `kill, latency, partition/disable`. */
function faultKinds(plan: Plan): string {
  const kinds = new Set(plan.faultSchedule.map(({ fault }) => {
    if (fault.kind === 'toxic') return fault.toxic.kind;
    if (fault.kind === 'partition') return `partition/${fault.cut ?? 'disable'}`;
    return fault.kind;
  }));
  return kinds.size === 0 ? 'no faults' : [...kinds].sort().join(', ');
}

/** A failure of the system under test: illegal by a check of its own, not a crash of the simulated run (check `lab`). */
function failedBySystem(result: { verdict: string; violations: string[] }): boolean {
  return result.verdict === 'illegal' && result.violations.some((violation) => violation !== 'lab');
}

/** The first `wanted` seed indices whose run fails in `mode` (from --real-found when it has them). */
async function failingIndices(mode: RunMode): Promise<{ indices: number[]; tried: number }> {
  const cache = mode === 'real' ? values['real-found'] : undefined;
  if (cache !== undefined && existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as { indices: number[]; tried: number };
  const finder = pool(mode);
  const indices: number[] = [];
  let tried = 0;
  try {
    for (; indices.length < wanted && tried < seedsMax; tried += 1) {
      if (failedBySystem(await runPlan({ ...planOf(tried), pool: finder }))) indices.push(tried);
    }
  } finally {
    await finder.close();
  }
  if (cache !== undefined) writeFileSync(cache, JSON.stringify({ indices, tried }));
  return { indices, tried };
}

async function simToReal(): Promise<void> {
  const { indices, tried } = await failingIndices('sim');
  const real = pool('real', true);
  let reproduced = 0;
  let failedReplays = 0;
  const misses: string[] = [];
  try {
    for (const index of indices) {
      let failed = 0;
      for (let time = 0; time < times; time += 1) if (failedBySystem(await runPlan({ ...planOf(index), pool: real }))) failed += 1;
      failedReplays += failed;
      if (failed > 0) reproduced += 1;
      else misses.push(`k${index} (${faultKinds(planOf(index).plan)})`);
    }
  } finally {
    await real.close();
  }
  console.log(`${name}: sim -> real (stalls ${stalls}): ${indices.length} sim failures in ${tried} seeds; ${reproduced} failed for real at least once in ` +
    `${times} (${percent(reproduced, indices.length)}); ${failedReplays} of ${indices.length * times} real replays failed`);
  if (misses.length > 0) console.log(`  never failed for real: ${misses.join('; ')}`);
}

async function realToSim(): Promise<void> {
  const { indices, tried } = await failingIndices('real');
  const rates: string[] = [];
  for (const [label, cpu] of [['with CPU time', undefined], ['without', freeCpuModel]] as const) {
    const misses: string[] = [];
    let reproduced = 0;
    for (const index of indices) {
      const { result } = await runSimPlan({ ...planOf(index), strategy, bug, ...(cpu === undefined ? {} : { cpu }) });
      if (failedBySystem(result)) reproduced += 1;
      else misses.push(`k${index} (${faultKinds(planOf(index).plan)})`);
    }
    rates.push(`${label} ${reproduced} of ${indices.length} (${percent(reproduced, indices.length)})`);
    if (label === 'with CPU time' && misses.length > 0) rates.push(`\n  did not fail in sim: ${misses.join('; ')}\n `);
  }
  console.log(`${name}: real -> sim: ${indices.length} real failures in ${tried} seeds; failed in sim ${rates.join('; ')}`);
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(0)} %`;
}

if (!values['real-to-sim-only']) await simToReal();
if (!values['sim-to-real-only']) await realToSim();
