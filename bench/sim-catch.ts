// bench/sim-catch: how fast the simulator catches each planted bug (unsafe's lost update, no-dedup,
// ack-before-apply): time and seeds to the first catch from several roots, and how small the caught
// failures shrink (ops and faults), with one run per shrink candidate since a replay is exact.
// Run: npm run bench:sim-catch [-- --roots 10 --shrunk 50 --faults heavy --ops 24 --bug no-dedup]
// (--roots 0 only shrinks; --bug unsafe|no-dedup|ack-before-apply takes one planted bug.)
import { parseArgs } from 'node:util';
import { planFor } from '../lab/gen/index.js';
import { defaultPlanConstraints, describePlan, faultLevels, opCount, runSeeds } from '../lab/plan/index.js';
import type { Bug, FaultLevel, Strategy } from '../lab/plan/index.js';
import { percentile, table } from '../lab/report/index.js';
import { ClusterPool, simShrinkLimits, trial } from '../lab/run/index.js';

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: '10' }, shrunk: { type: 'string', default: '50' }, faults: { type: 'string', default: 'heavy' },
    ops: { type: 'string', default: '24' }, 'seeds-max': { type: 'string', default: '200' }, bug: { type: 'string' },
    // Prints each shrunk failure still above 4 ops or 1 fault: its seed, its plan and what the judge found.
    show: { type: 'boolean', default: false },
  },
});
const faults = values.faults as FaultLevel;
if (!faultLevels.includes(faults)) throw new Error(`--faults must be one of ${faultLevels.join('|')}`);
const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: Number(values.ops), faults };
const seedsMax = Number(values['seeds-max']);
const everyPlanted: { strategy: Strategy; bug?: Bug; name: string; key: string }[] = [
  { strategy: 'unsafe', name: 'unsafe (lost update)', key: 'unsafe' },
  { strategy: 'lock-free', bug: 'no-dedup', name: 'lock-free + no-dedup', key: 'no-dedup' },
  { strategy: 'lock', bug: 'ack-before-apply', name: 'lock + ack-before-apply', key: 'ack-before-apply' },
];
const planted = everyPlanted.filter((entry) => values.bug === undefined || entry.key === values.bug);

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

interface ShrunkSize {
  ops: number;
  faults: number;
  fifo: boolean;
  /** A shrink budget ran out: the plan may shrink further. */
  spent: boolean;
}

/** Shrinks the first `count` failures of root 1's seeds; the sizes of what they shrank to. */
async function shrunkSizes(pool: ClusterPool, count: number): Promise<ShrunkSize[]> {
  const sizes: ShrunkSize[] = [];
  for (let index = 0; sizes.length < count && index < count * seedsMax; index += 1) {
    const seeds = runSeeds(1, index);
    // The run budget alone bounds the walk, so the sizes do not depend on the machine's load.
    const shrinkLimits = { ...simShrinkLimits, shrinkMsMax: Infinity };
    const outcome = await trial(planFor(seeds.plan, '0', constraints), seeds, { pool, limits: {}, artifactsRoot: null, shrink: true, shrinkLimits });
    if (outcome.result.verdict !== 'illegal') continue;
    const smallest = outcome.shrunk?.smallest ?? outcome.result;
    sizes.push({
      ops: opCount(smallest.plan), faults: smallest.plan.faultSchedule.length, fifo: outcome.schedule?.randomTies === 0,
      spent: outcome.shrunk?.budgetSpent !== undefined,
    });
    const large = opCount(smallest.plan) > 4 || smallest.plan.faultSchedule.length > 1;
    if (values.show && large) {
      console.log(`--- root 1 index ${index}, path ${smallest.plan.path}, ${outcome.shrunk?.runs ?? 0} shrink runs${outcome.shrunk?.budgetSpent === undefined ? '' : ', budget spent'}`);
      console.log(describePlan(smallest.plan));
      console.log(smallest.checks.filter((check) => check.verdict === 'illegal').map((check) => `  ${check.kind}: ${check.summary}`).join('\n'));
    }
  }
  return sizes;
}

/** `1 op: 12, 2 ops: 30, ...`: how many shrunk failures had each size. */
function distribution(counts: number[], unit: string): string {
  const tally = new Map<number, number>();
  for (const count of counts) tally.set(count, (tally.get(count) ?? 0) + 1);
  return [...tally.entries()].sort(([a], [b]) => a - b).map(([size, times]) => `${size} ${unit}: ${times}`).join(', ');
}

const rows = [['planted bug', 'caught', 'median s to catch', 'median seeds', 'max seeds', 'shrunk', '<=4 ops & <=1 fault', 'FIFO schedule fails']];
for (const { strategy, bug, name } of planted) {
  const pool = new ClusterPool({ mode: 'sim', strategy, bug, proxy: 'auto', reuse: true });
  const catches = [];
  for (let root = 1; root <= Number(values.roots); root += 1) catches.push(await firstCatch(pool, root * 7919));
  const shrinkStarted = performance.now();
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
  console.log(`  ${name}, shrunk to: ${distribution(sizes.map((size) => size.ops), 'ops')}; ${distribution(sizes.map((size) => size.faults), 'faults')}; ` +
    `a budget ran out in ${sizes.filter((size) => size.spent).length}; ${((performance.now() - shrinkStarted) / 1000).toFixed(0)} s of shrinking`);
}
console.log(table(rows));
