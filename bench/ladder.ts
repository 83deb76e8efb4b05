// bench/ladder: issue 14's acceptance runs. Every strategy of the consistency ladder (and the planted
// stale-cache) on the same seeded plans with heavy faults: the rung each run reached, the stale reads
// it made (in how many of the seeds with a partition, and of those whose partition cuts a live, readable
// replica off from the live serialization point, the only ones where a replica read can be stale), the
// session guarantees broken, and whether the verdict matches what the strategy declares (ok for the
// honest ones, illegal for the planted bug). The workload is read-after-write by default (each step's
// writes read back at other branches just after, across a partition while one is in force, where
// replica reads show their lag, and read back again where a partition cut them off right after it
// heals, the heal at the end included: one more step of reads then; its one-way partitions go from
// the serialization point and its isolates cut off replicas, docs/plan-format.md); `--workload mixed`
// runs the generator's default mix. `--roots 1-5` runs the seeds of several roots; `--misses` lists,
// per subject, the partitioned seeds without a stale read and their faults.
// Measured (roots 1-20 x 20 seeds, sim, keepalive by ping phase): lock-free:reads=local stale in
// 178/196 partitioned seeds (91 %; before the final reads and the aim, 130/179, 73 %),
// lock:reads=local in 47/196 (lock acks a write only once every replica has it); real, roots 1-2:
// lock-free:reads=local 21/24, the same seeds.
// Run: npm run bench:ladder [-- --seeds 20 --root 1 | --roots 1-5 --mode sim|real --ops 100 --contention low|high
//        --accounts 4 --workload read-after-write|mixed --only lock,lock-free --misses]
import { parseArgs } from 'node:util';
import { checkConvergence, checkNonNegative } from '../models/index.js';
import { planFor } from '../lab/gen/index.js';
import { bankWorkloads, defaultPlanConstraints, describeFault, runSeeds, strategyDeclaration } from '../lab/plan/index.js';
import type { BankWorkload, Bug, Plan, PlanConstraints, Strategy } from '../lab/plan/index.js';
import type { RunResult } from '../lab/report/index.js';
import { percentile, table } from '../lab/report/index.js';
import { ClusterPool, trial } from '../lab/run/index.js';
import { serializationPoint } from '../lab/systems/bank/index.js';
import type { RunMode } from '../lab/run/index.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' }, root: { type: 'string', default: '1' }, roots: { type: 'string' }, mode: { type: 'string', default: 'sim' },
    ops: { type: 'string', default: '100' }, only: { type: 'string' }, contention: { type: 'string', default: 'low' }, accounts: { type: 'string', default: '4' },
    workload: { type: 'string', default: 'read-after-write' }, misses: { type: 'boolean', default: false },
  },
});
const mode = values.mode as RunMode;
if (!(bankWorkloads as readonly string[]).includes(values.workload)) throw new Error(`--workload must be one of ${bankWorkloads.join('|')}`);
const workload = values.workload as BankWorkload;
const constraints: PlanConstraints = {
  ...defaultPlanConstraints, opsMax: Number(values.ops), accountsMax: Number(values.accounts), faults: 'heavy', contention: values.contention === 'high' ? 'high' : 'low',
  ...(workload === 'mixed' ? {} : { workload }),
};
/** `--roots 1-5` (or one root, `--root 1`): the roots whose first `--seeds` runs each subject makes. */
function rootsOf(text: string): number[] {
  const [first, last = first] = text.split('-').map(Number);
  if (first === undefined || last === undefined || !Number.isInteger(first) || !Number.isInteger(last) || last < first) throw new Error(`--roots must be N or N-M, not ${text}`);
  return Array.from({ length: last - first + 1 }, (_, offset) => first + offset);
}
const roots = rootsOf(values.roots ?? values.root);
const seedCount = Number(values.seeds);

interface Subject { strategy: Strategy; bug?: Bug; expect: 'ok' | 'caught' }
const ladder: Subject[] = [
  { strategy: 'lock', expect: 'ok' },
  { strategy: 'lock-free', expect: 'ok' },
  { strategy: 'lock:reads=local', expect: 'ok' },
  { strategy: 'lock-free:reads=local', expect: 'ok' },
  { strategy: 'lock-free:reads=local+min-version', expect: 'ok' },
  { strategy: 'lock-free:reads=local+poll', expect: 'ok' },
  { strategy: 'lock-free:reads=local+push', expect: 'ok' },
  { strategy: 'lock-free:reads=local+conditional', expect: 'ok' },
  { strategy: 'lock-free:reads=local+min-version+cache', expect: 'ok' },
  { strategy: 'lock-free:reads=local+min-version+cache', bug: 'stale-cache', expect: 'caught' },
  { strategy: 'crdt', expect: 'ok' },
  { strategy: 'crdt:escrow', expect: 'ok' },
];
const subjects = ladder.filter((subject) => values.only === undefined || values.only.split(',').includes(subject.strategy));

const hasPartition = (plan: Plan): boolean => plan.faultSchedule.some((step) => step.fault.kind === 'partition');

/**
 * Whether a partition of the plan cuts a replica off while it can be read: for two steps in a row (a
 * write in one, its read in the next) it cuts the serialization point's link to a branch whose
 * clients still reach it, while some client still reaches the point, and neither is killed or paused.
 * A one-way cut from another branch, or isolating the point, cannot. (A replica can also lag right
 * after a heal, until its stream reconnects: the read-after-write workload reads there too, so
 * partitions outside this set, isolates of a replica above all, show stale reads as well.)
 */
function cutsReplicaOff(plan: Plan): boolean {
  const { branches } = plan.workload;
  const point = serializationPoint(plan.workload.accounts[0]?.account ?? 'a1', branches);
  const down = (branch: string, step: number): boolean => plan.faultSchedule.some(({ fault, atStep, healAtStep }) =>
    (fault.kind === 'kill' || fault.kind === 'pause') && fault.node === branch && atStep <= step && step < healAtStep);
  const cutOffAt = (cut: Set<string>, step: number): boolean => {
    if (down(point, step)) return false;
    const writable = branches.some((branch) => !cut.has(`client-${branch}`) && (branch === point || !cut.has(`${branch}-${point}`)));
    return writable && branches.some((branch) => branch !== point && !down(branch, step) && cut.has(`${point}-${branch}`) && !cut.has(`client-${branch}`));
  };
  return plan.faultSchedule.some(({ fault, atStep, healAtStep }) => {
    if (fault.kind !== 'partition') return false;
    const cut = new Set(fault.links);
    for (let step = atStep; step + 1 < healAtStep; step += 1) if (cutOffAt(cut, step) && cutOffAt(cut, step + 1)) return true;
    return false;
  });
}

interface Outcome { root: number; index: number; plan: Plan; result: RunResult }

async function runs(subject: Subject): Promise<Outcome[]> {
  const pool = new ClusterPool({ mode, strategy: subject.strategy, bug: subject.bug, proxy: 'embedded', reuse: true, announce: () => undefined });
  const out: Outcome[] = [];
  try {
    for (const root of roots) {
      for (let index = 0; index < seedCount; index += 1) {
        const seeds = runSeeds(root, index);
        const plan = planFor(seeds.plan, '0', constraints);
        const { result } = await trial(plan, seeds, { pool, limits: {}, artifactsRoot: null, shrink: false });
        out.push({ root, index, plan, result });
      }
    }
  } finally {
    await pool.close();
  }
  return out;
}

/** A partitioned seed without a stale read, and its faults: what `--misses` prints. */
function missLine({ root, index, plan }: Outcome): string {
  const faults = plan.faultSchedule.map(({ atStep, healAtStep, fault }) => `[${atStep},${healAtStep}) ${describeFault(fault)}`);
  return `  root ${root} run ${index}: ${plan.workload.branches.length} branches, ${plan.workload.clients} clients, ${plan.workload.steps.length} steps; ${faults.join('; ')}`;
}

const rows: string[][] = [];
const misses: string[] = [];
const started = performance.now();
for (const subject of subjects) {
  const results = await runs(subject);
  const rungs = new Map<string, number>();
  for (const { result } of results) rungs.set(result.consistency?.rung ?? 'lab failed', (rungs.get(result.consistency?.rung ?? 'lab failed') ?? 0) + 1);
  const partitioned = results.filter(({ plan }) => hasPartition(plan));
  const hasStale = ({ result }: Outcome): boolean => (result.consistency?.staleness.staleReads ?? 0) > 0;
  const staleWithPartition = partitioned.filter(hasStale).length;
  const cutOff = results.filter(({ plan }) => cutsReplicaOff(plan));
  const staleCutOff = cutOff.filter(hasStale).length;
  const staleMs = results.flatMap(({ result }) => (result.consistency === undefined ? [] : [result.consistency.staleness.msBehind.p99])).sort((a, b) => a - b);
  const broken = new Map<string, number>();
  for (const { result } of results) for (const [guarantee, count] of Object.entries(result.consistency?.sessionBroken ?? {})) broken.set(guarantee, (broken.get(guarantee) ?? 0) + (count ?? 0));
  const illegal = results.filter(({ result }) => result.verdict === 'illegal');
  const unknown = results.filter(({ result }) => result.verdict === 'unknown').length;
  const violations = [...new Set(illegal.flatMap(({ result }) => result.violations))];
  // Non-negative is checked here for every strategy, claimed or not: crdt's overdrafts under partition are the point.
  const overdrawn = results.filter(({ result }) => checkNonNegative(result.history, result.finalStates).verdict === 'illegal');
  const overdrawnPartitioned = overdrawn.filter(({ plan }) => hasPartition(plan)).length;
  const converged = results.filter(({ result }) => checkConvergence(result.finalStates).verdict === 'ok').length;
  const matches = subject.expect === 'ok' ? illegal.length === 0 : illegal.length > 0;
  rows.push([
    `${subject.strategy}${subject.bug === undefined ? '' : ` +${subject.bug}`}`,
    [...rungs].map(([rung, count]) => `${rung} ${count}`).join(', '),
    `${staleWithPartition}/${partitioned.length}`,
    `${staleCutOff}/${cutOff.length}`,
    `${percentile(staleMs, 0.5).toFixed(0)}/${percentile(staleMs, 0.99).toFixed(0)}`,
    [...broken].map(([guarantee, count]) => `${guarantee} ${count}`).join(', ') || 'none',
    (strategyDeclaration(subject.strategy).claims.session ?? []).join(',') || '-',
    `${illegal.length} ${violations.join(',')}`.trim(),
    String(unknown),
    `${overdrawn.length} (${overdrawnPartitioned} partitioned)`,
    `${converged}/${results.length}`,
    matches ? 'yes' : 'NO',
  ]);
  process.stderr.write(`${subject.strategy}${subject.bug === undefined ? '' : ` +${subject.bug}`}: done\n`);
  if (values.misses) misses.push(`${rows.at(-1)?.[0]}: partitioned seeds without a stale read`, ...partitioned.filter((outcome) => !hasStale(outcome)).map(missLine));
}
process.stdout.write(`bench:ladder, ${seedCount} seeds of root${roots.length > 1 ? `s ${roots[0]}-${roots.at(-1)}` : ` ${roots[0]}`}, heavy faults, workload ${workload}, ${constraints.opsMax} ops max, contention ${constraints.contention}, ${constraints.accountsMax} accounts max, mode ${mode}, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${table([['strategy', 'rungs reached', 'stale reads in partitioned seeds', 'in seeds that cut a replica off', 'stale ms p99 (median/max of runs)', 'session broken', 'session claimed', 'illegal runs', 'unknown', 'overdrawn runs', 'converged', 'as declared'], ...rows])}\n`);
if (misses.length > 0) process.stdout.write(`${misses.join('\n')}\n`);
