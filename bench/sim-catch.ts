// bench/sim-catch: how fast the simulator catches each planted bug (unsafe's lost update, no-dedup,
// ack-before-apply): time and seeds to the first catch from several roots, and how small the caught
// failures shrink (ops and faults), with one run per shrink candidate since a replay is exact.
// Run: npm run bench:sim-catch [-- --roots 10 --shrunk 20 --faults heavy --ops 24]
import { parseArgs } from 'node:util';
import { planFor } from '../lab/gen/index.js';
import { defaultPlanConstraints, faultLevels, opCount, runSeeds } from '../lab/plan/index.js';
import type { Bug, FaultLevel, Strategy } from '../lab/plan/index.js';
import { percentile, table } from '../lab/report/index.js';
import { ClusterPool, trial } from '../lab/run/index.js';

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: '10' }, shrunk: { type: 'string', default: '20' }, faults: { type: 'string', default: 'heavy' },
    ops: { type: 'string', default: '24' }, 'seeds-max': { type: 'string', default: '200' },
  },
});
const faults = values.faults as FaultLevel;
if (!faultLevels.includes(faults)) throw new Error(`--faults must be one of ${faultLevels.join('|')}`);
const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: Number(values.ops), faults };
const seedsMax = Number(values['seeds-max']);
const planted: { strategy: Strategy; bug?: Bug; name: string }[] = [
  { strategy: 'unsafe', name: 'unsafe (lost update)' },
  { strategy: 'lock-free', bug: 'no-dedup', name: 'lock-free + no-dedup' },
  { strategy: 'lock', bug: 'ack-before-apply', name: 'lock + ack-before-apply' },
];

/** Seeds from `root` until the first failure: how many, and how long, or undefined past seedsMax. */
async function firstCatch(pool: ClusterPool, root: number): Promise<{ seeds: number; ms: number } | undefined> {
  const started = performance.now();
  for (let index = 0; index < seedsMax; index += 1) {
    const seeds = runSeeds(root, index);
    const { result } = await trial(planFor(seeds.plan, '0', constraints), seeds, { pool, limits: {}, artifactsRoot: null, shrink: false });
    if (result.verdict === 'illegal') return { seeds: index + 1, ms: performance.now() - started };
  }
  return undefined;
}

/** Shrinks the first `count` failures of root 1's seeds; the sizes of what they shrank to. */
async function shrunkSizes(pool: ClusterPool, count: number): Promise<{ ops: number; faults: number; fifo: boolean }[]> {
  const sizes: { ops: number; faults: number; fifo: boolean }[] = [];
  for (let index = 0; sizes.length < count && index < count * seedsMax; index += 1) {
    const seeds = runSeeds(1, index);
    const outcome = await trial(planFor(seeds.plan, '0', constraints), seeds, { pool, limits: {}, artifactsRoot: null, shrink: true });
    if (outcome.result.verdict !== 'illegal') continue;
    const smallest = outcome.shrunk?.smallest ?? outcome.result;
    sizes.push({ ops: opCount(smallest.plan), faults: smallest.plan.faultSchedule.length, fifo: outcome.schedule?.randomTies === 0 });
  }
  return sizes;
}

const rows = [['planted bug', 'caught', 'median s to catch', 'median seeds', 'max seeds', 'shrunk', '<=4 ops & <=1 fault', 'FIFO schedule fails']];
for (const { strategy, bug, name } of planted) {
  const pool = new ClusterPool({ mode: 'sim', strategy, bug, proxy: 'auto', reuse: true });
  const catches = [];
  for (let root = 1; root <= Number(values.roots); root += 1) catches.push(await firstCatch(pool, root * 7919));
  const caught = catches.filter((entry) => entry !== undefined);
  const seconds = caught.map((entry) => entry.ms / 1000).sort((a, b) => a - b);
  const seedCounts = caught.map((entry) => entry.seeds).sort((a, b) => a - b);
  const sizes = await shrunkSizes(pool, Number(values.shrunk));
  const small = sizes.filter((size) => size.ops <= 4 && size.faults <= 1).length;
  rows.push([
    name, `${caught.length}/${catches.length}`, percentile(seconds, 0.5).toFixed(2), String(percentile(seedCounts, 0.5)), String(seedCounts.at(-1) ?? '-'),
    String(sizes.length), `${small} (${((100 * small) / Math.max(1, sizes.length)).toFixed(0)} %)`, String(sizes.filter((size) => size.fifo).length),
  ]);
  console.log(rows.at(-1)?.join(' | '));
}
console.log(table(rows));
