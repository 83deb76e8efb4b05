// bench/catch: how fast the lab catches a strategy, over many root seeds. For each seed it explores
// until the first violation, shrinks it, and records the time to the first failure and the shrunk size.
// Run: npm run bench:catch [-- --seeds 50 --strategy unsafe [--bug no-dedup] --runs-max 20]
import { parseArgs } from 'node:util';
import { defaultPlanConstraints, faultLevels } from '../lab/plan/index.js';
import type { Bug, FaultLevel, Strategy } from '../lab/plan/index.js';
import { planFor } from '../lab/gen/index.js';
import { opCount } from '../lab/plan/index.js';
import { ClusterPool } from '../lab/run/index.js';
import { percentile } from '../lab/report/index.js';
import { table } from '../lab/report/index.js';
import { deriveSeed, runSeeds } from '../lab/plan/index.js';
import { runOnce, trial } from '../lab/run/index.js';
import { shrinkFailure } from '../lab/run/index.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '50' },
    strategy: { type: 'string', default: 'unsafe' },
    bug: { type: 'string' },
    faults: { type: 'string', default: 'light' },
    'runs-max': { type: 'string', default: '20' },
    root: { type: 'string', default: '2026' },
  },
});
const seeds = Number(values.seeds);
const runsMax = Number(values['runs-max']);
const strategy = values.strategy as Strategy;
const faults = values.faults as FaultLevel;
if (!faultLevels.includes(faults)) throw new Error(`--faults must be one of ${faultLevels.join('|')}`);
const constraints = { ...defaultPlanConstraints, faults };

interface Catch {
  seed: number;
  runs: number;
  secondsToFailure: number;
  shrunkOps: number;
  shrunkFaults: number;
  kinds: string;
}

const pool = new ClusterPool({ strategy, bug: values.bug as Bug | undefined, proxy: 'embedded', reuse: true, announce: (line) => console.log(line) });
const options = { pool, limits: {}, artifactsRoot: 'artifacts/bench-catch', shrink: false };
const caught: Catch[] = [];
const missed: number[] = [];
try {
  for (let index = 0; index < seeds; index += 1) {
    const root = deriveSeed(Number(values.root), `catch/${index}`);
    const started = performance.now();
    let found = false;
    for (let run = 0; run < runsMax && !found; run += 1) {
      const seeds = runSeeds(root, run);
      const plan = planFor(seeds.plan, '0', constraints);
      const outcome = await trial(plan, seeds, options);
      if (outcome.result.verdict !== 'illegal') continue;
      const secondsToFailure = (performance.now() - started) / 1000;
      const { smallest } = await shrinkFailure(outcome.result, (candidate) => runOnce(candidate, seeds, options));
      caught.push({ seed: root, runs: run + 1, secondsToFailure, shrunkOps: opCount(smallest.plan), shrunkFaults: smallest.plan.faultSchedule.length, kinds: outcome.result.violations.join('+') });
      found = true;
    }
    if (!found) missed.push(root);
    const last = caught.at(-1);
    console.log(found && last ? `seed ${root}: caught after ${last.runs} runs, ${last.secondsToFailure.toFixed(1)} s; shrunk to ${last.shrunkOps} ops, ${last.shrunkFaults} faults (${last.kinds})` : `seed ${root}: not caught in ${runsMax} runs`);
  }
} finally {
  await pool.close();
}

function spread(values: number[]): string[] {
  const sorted = [...values].sort((a, b) => a - b);
  return [0, 0.5, 0.9, 1].map((fraction) => (fraction === 0 ? sorted[0] ?? 0 : percentile(sorted, fraction)).toFixed(1));
}

console.log(`\nbench:catch  ${strategy}${values.bug ? ` --bug ${values.bug}` : ''}, ${faults} faults: caught in ${caught.length} of ${seeds} seeds (at most ${runsMax} runs each)`);
console.log(
  table([
    ['measure', 'min', 'p50', 'p90', 'max'],
    ['runs to first failure', ...spread(caught.map((each) => each.runs))],
    ['seconds to first failure', ...spread(caught.map((each) => each.secondsToFailure))],
    ['shrunk ops', ...spread(caught.map((each) => each.shrunkOps))],
    ['shrunk faults', ...spread(caught.map((each) => each.shrunkFaults))],
  ]),
);
const small = caught.filter((each) => each.shrunkOps <= 4 && each.shrunkFaults <= 1).length;
console.log(`shrunk to at most 4 ops and 1 fault: ${small} of ${caught.length}`);
if (missed.length > 0) console.log(`missed seeds: ${missed.join(', ')}`);
