// bench/escrow: what escrow costs and keeps. crdt and crdt:escrow on the same seeded plans (heavy
// faults, high contention by default): per strategy, the withdrawals applied, refused for funds
// (applied: false), refused for rights (ABORTED: escrow, and of those how many because a peer was out
// of reach), unknown, and the runs that overdrew,
// diverged, or got a verdict other than ok. Escrow never overdraws; its refusals are the price.
// Run: npm run bench:escrow [-- --seeds 100 --root 1 --mode sim|real --ops 100 --contention low|high --only crdt:escrow]
import { parseArgs } from 'node:util';
import { checkConvergence, checkNonNegative } from '../models/index.js';
import { planFor } from '../lab/gen/index.js';
import { defaultPlanConstraints, runSeeds } from '../lab/plan/index.js';
import type { PlanConstraints, Strategy } from '../lab/plan/index.js';
import type { RunResult } from '../lab/report/index.js';
import { table } from '../lab/report/index.js';
import { ClusterPool, trial } from '../lab/run/index.js';
import type { RunMode } from '../lab/run/index.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' }, root: { type: 'string', default: '1' }, mode: { type: 'string', default: 'sim' },
    ops: { type: 'string', default: '100' }, contention: { type: 'string', default: 'high' }, only: { type: 'string' },
  },
});
const constraints: PlanConstraints = {
  ...defaultPlanConstraints, opsMax: Number(values.ops), faults: 'heavy', contention: values.contention === 'low' ? 'low' : 'high',
};
const subjects: Strategy[] = (['crdt', 'crdt:escrow'] as const).filter((strategy) => values.only === undefined || values.only.split(',').includes(strategy));

interface Tally {
  runs: number; withdrawals: number; applied: number; noFunds: number; noRights: number; unreached: number; otherFail: number; unknown: number;
  overdrawn: number; diverged: number; notOk: number; wallMs: number;
}

function count(result: RunResult, tally: Tally): void {
  for (const event of result.history) {
    if (event.f !== 'withdraw' || event.type === 'invoke') continue;
    tally.withdrawals += 1;
    const value = event.value as { applied?: boolean };
    if (event.type === 'ok') {
      if (value.applied === true) tally.applied += 1;
      else tally.noFunds += 1;
    } else if (event.type === 'info') {
      tally.unknown += 1;
    } else if ((event.error ?? '').startsWith('ABORTED: escrow')) {
      tally.noRights += 1;
      if ((event.error ?? '').includes('could not reach')) tally.unreached += 1;
    } else {
      tally.otherFail += 1;
    }
  }
  if (checkNonNegative(result.history, result.finalStates).verdict === 'illegal') tally.overdrawn += 1;
  if (checkConvergence(result.finalStates).verdict !== 'ok') tally.diverged += 1;
  if (result.verdict !== 'ok') tally.notOk += 1;
}

const percent = (part: number, whole: number): string => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)} %`);

const rows: string[][] = [];
for (const strategy of subjects) {
  const tally: Tally = { runs: 0, withdrawals: 0, applied: 0, noFunds: 0, noRights: 0, unreached: 0, otherFail: 0, unknown: 0, overdrawn: 0, diverged: 0, notOk: 0, wallMs: 0 };
  const pool = new ClusterPool({ mode: values.mode as RunMode, strategy, proxy: 'auto', reuse: true });
  const started = performance.now();
  try {
    for (let index = 0; index < Number(values.seeds); index += 1) {
      const seeds = runSeeds(Number(values.root), index);
      const plan = planFor(seeds.plan, '0', constraints);
      const { result } = await trial(plan, seeds, { pool, limits: {}, artifactsRoot: null, shrink: false });
      tally.runs += 1;
      count(result, tally);
    }
  } finally {
    await pool.close();
  }
  tally.wallMs = performance.now() - started;
  rows.push([
    strategy, String(tally.runs), String(tally.withdrawals), `${tally.applied} (${percent(tally.applied, tally.withdrawals)})`,
    `${tally.noFunds} (${percent(tally.noFunds, tally.withdrawals)})`, `${tally.noRights} (${percent(tally.noRights, tally.withdrawals)})`, String(tally.unreached),
    String(tally.otherFail), String(tally.unknown), String(tally.overdrawn), String(tally.diverged), String(tally.notOk), `${(tally.wallMs / 1000).toFixed(1)} s`,
  ]);
}

console.log(`escrow: ${values.seeds} seeds from root ${values.root}, ${values.mode}, heavy faults, ${constraints.contention} contention, ${constraints.opsMax} ops`);
const header = ['strategy', 'runs', 'withdrawals', 'applied', 'refused: funds', 'refused: rights', 'of which out of reach', 'other fail', 'unknown', 'overdrawn runs', 'diverged runs', 'verdict not ok', 'wall'];
console.log(table([header, ...rows]));
