// bench/sim-agree: do failures found in the simulator reproduce on the real cluster, and the other
// way round? Takes the first N failing seeds of each mode and replays each once in the other mode.
// Run: npm run bench:sim-agree [-- --failures 10 --strategy unsafe [--bug no-dedup] --faults light]
import { parseArgs } from 'node:util';
import { planFor } from '../lab/gen/index.js';
import { defaultPlanConstraints, faultLevels, runSeeds } from '../lab/plan/index.js';
import type { Bug, FaultLevel, Plan, RunSeeds, Strategy } from '../lab/plan/index.js';
import { ClusterPool, runPlan } from '../lab/run/index.js';
import type { RunMode } from '../lab/run/index.js';

const { values } = parseArgs({
  options: {
    failures: { type: 'string', default: '10' }, strategy: { type: 'string', default: 'unsafe' }, bug: { type: 'string' },
    faults: { type: 'string', default: 'light' }, ops: { type: 'string', default: '24' }, 'seeds-max': { type: 'string', default: '200' },
  },
});
const faults = values.faults as FaultLevel;
if (!faultLevels.includes(faults)) throw new Error(`--faults must be one of ${faultLevels.join('|')}`);
const strategy = values.strategy as Strategy;
const bug = values.bug as Bug | undefined;
const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: Number(values.ops), faults };
const wanted = Number(values.failures);

function pool(mode: RunMode): ClusterPool {
  return new ClusterPool({ mode, strategy, bug, proxy: 'auto', reuse: true });
}

/** The first `wanted` failing seeds in `mode`, then how many of them fail in the other mode too. */
async function agreement(found: RunMode, other: RunMode): Promise<{ failures: number; reproduced: number }> {
  const finder = pool(found);
  const checker = pool(other);
  const failing: { plan: Plan; seeds: RunSeeds }[] = [];
  try {
    for (let index = 0; failing.length < wanted && index < Number(values['seeds-max']); index += 1) {
      const seeds = runSeeds(4242, index);
      const plan = planFor(seeds.plan, '0', constraints);
      if ((await runPlan({ plan, seeds, pool: finder })).verdict === 'illegal') failing.push({ plan, seeds });
    }
    let reproduced = 0;
    for (const { plan, seeds } of failing) if ((await runPlan({ plan, seeds, pool: checker })).verdict === 'illegal') reproduced += 1;
    return { failures: failing.length, reproduced };
  } finally {
    await finder.close();
    await checker.close();
  }
}

const name = `${strategy}${bug === undefined ? '' : ` + ${bug}`}`;
for (const [found, other] of [['sim', 'real'], ['real', 'sim']] as const) {
  const { failures, reproduced } = await agreement(found, other);
  console.log(`${name}: ${reproduced} of ${failures} failures found in ${found} failed in ${other} too (${((100 * reproduced) / Math.max(1, failures)).toFixed(0)} %)`);
}
