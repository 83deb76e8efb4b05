// Property, in the simulator: each variant weaker than linearizable (replica reads, min_version waited
// for or polled, conditional writes, the invalidating cache) passes what it declares under heavy
// faults; replica reads are caught reading stale and below linearizable; the planted stale-cache is
// caught breaking a session guarantee it declares. Seed: fixed in CI, random locally, FAULTLINE_SEED.
import { describe, expect, test } from 'vitest';
import { planFor } from '../lab/gen/index.js';
import type { Bug, Strategy } from '../lab/plan/index.js';
import { propertyFailure } from '../lab/report/index.js';
import type { RunResult } from '../lab/report/index.js';
import { trial } from '../lab/run/index.js';
import { propertyLimits, SuiteRuns, suiteSeed } from './_testing/support.js';
import { simPool, simSuiteRuns } from './_testing/sim.js';
import { defaultPlanConstraints, runSeeds } from '../lab/plan/index.js';
import type { PlanConstraints } from '../lab/plan/index.js';
import { checkNonNegative, measureStaleness } from '../models/index.js';

const seed = suiteSeed();
const constraints = { ...defaultPlanConstraints, opsMax: 60, faults: 'heavy' as const };
const cleanRunsCi = 40;
/** A weaker variant shows what it gives up within this many seeds. */
const catchSeedsMax = 200;
const suiteMsMax = 300_000;

async function runsOf(
  strategy: Strategy, bug: Bug | undefined, count: number, stop?: (result: RunResult) => boolean, shape: PlanConstraints = constraints,
): Promise<RunResult[]> {
  const pool = simPool(strategy, bug);
  const runs = new SuiteRuns(seed);
  const results: RunResult[] = [];
  for (let index = 0; index < count; index += 1) {
    const seeds = runs.seeds();
    const plan = planFor(seeds.plan, '0', shape);
    const { result } = await trial(plan, seeds, { pool, limits: propertyLimits, artifactsRoot: null, shrink: false });
    results.push(result);
    if (stop?.(result) === true) break;
  }
  return results;
}

const honest: Strategy[] = [
  'lock:reads=local', 'lock-free:reads=local', 'lock-free:reads=local+min-version', 'lock-free:reads=local+poll', 'lock-free:reads=local+push',
  'lock-free:reads=local+conditional', 'lock-free:reads=local+min-version+cache', 'crdt', 'crdt:escrow',
];

describe(`sim: every weaker variant passes what it declares under heavy faults (seed ${seed})`, () => {
  for (const strategy of honest) {
    test(strategy, async () => {
      for (const result of await runsOf(strategy, undefined, simSuiteRuns(cleanRunsCi))) expect(result.verdict, propertyFailure(result)).toBe('ok');
    }, suiteMsMax);
  }
});

describe(`sim: what the weaker variants give up is seen (seed ${seed})`, () => {
  test('replica reads read stale and fall below linearizable', async () => {
    const results = await runsOf('lock-free:reads=local', undefined, catchSeedsMax, (result) => (result.consistency?.staleness.staleReads ?? 0) > 0);
    const stale = results.at(-1);
    expect(stale?.consistency?.staleness.staleReads, `no stale read in ${catchSeedsMax} seeds`).toBeGreaterThan(0);
    expect(stale?.consistency?.rung).not.toBe('linearizable');
    expect(stale?.verdict).toBe('ok');
  }, suiteMsMax);

  test('the stale-cache bug is caught breaking read-your-writes or monotonic reads', async () => {
    const results = await runsOf('lock-free:reads=local+min-version+cache', 'stale-cache', catchSeedsMax, (result) => result.verdict === 'illegal');
    const caught = results.at(-1);
    expect(caught?.verdict, `stale-cache not caught in ${catchSeedsMax} seeds`).toBe('illegal');
    expect(caught?.violations).toEqual(['session-guarantees']);
  }, suiteMsMax);

  test('crdt overdraws under a partition, which it does not claim to prevent (escrow, above, never does)', async () => {
    // Overdrafts need two cut-off branches spending one account: high contention sends most ops to a1.
    // With the final virtual CPU model they show more often than without it (15 and 3 of the CI
    // seed's first 200 seeds), so the property runs in the default model again. A stalled or paused
    // branch cuts itself off too, so the property waits for an overdraft in a plan with a partition.
    const partitioned = (result: RunResult): boolean => result.plan.faultSchedule.some((step) => step.fault.kind === 'partition');
    const overdrawn = (result: RunResult): boolean => checkNonNegative(result.history, result.finalStates).verdict === 'illegal';
    const results = await runsOf('crdt', undefined, catchSeedsMax, (result) => partitioned(result) && overdrawn(result), { ...constraints, contention: 'high' });
    const caught = results.at(-1);
    expect(caught !== undefined && partitioned(caught) && overdrawn(caught), `no overdraft under a partition in ${catchSeedsMax} seeds`).toBe(true);
    expect(caught?.verdict).toBe('ok');
  }, suiteMsMax);
});

describe('sim: the read-after-write workload reads a cut-off replica back (fixed seed: root 1, run 0)', () => {
  // Run 0 of root 1 with heavy faults has a majority partition (b1,b2 | b3,b4) for five steps. The
  // mixed workload of that seed reads nothing stale; the read-after-write one writes on b1's side and
  // reads on the other, where lock-free's replica has not heard of the write.
  const seeds = runSeeds(1, 0);
  const heavy = { ...defaultPlanConstraints, faults: 'heavy' as const };
  const readAfterWrite = planFor(seeds.plan, '0', { ...heavy, workload: 'read-after-write' });
  const judged = async (strategy: Strategy, plan = readAfterWrite): Promise<RunResult> => {
    const pool = simPool(strategy);
    try {
      return (await trial(plan, seeds, { pool, limits: {}, artifactsRoot: null, shrink: false })).result;
    } finally {
      await pool.close();
    }
  };

  test('replica reads read stale under the partition and stay within what they declare', async () => {
    expect(readAfterWrite.faultSchedule.some((step) => step.fault.kind === 'partition')).toBe(true);
    const replica = await judged('lock-free:reads=local');
    expect(replica.consistency?.staleness.staleReads).toBeGreaterThan(0);
    expect(replica.consistency?.rung).not.toBe('linearizable');
    expect(replica.verdict, propertyFailure(replica)).toBe('ok');
    const mixed = await judged('lock-free:reads=local', planFor(seeds.plan, '0', heavy));
    expect(mixed.consistency?.staleness.staleReads).toBe(0);
  }, suiteMsMax);

  test('point reads on the same plan read nothing stale and stay linearizable', async () => {
    const point = await judged('lock-free');
    expect(point.consistency?.staleness.staleReads).toBe(0);
    expect(point.consistency?.rung).toBe('linearizable');
  }, suiteMsMax);
});

describe('sim: the read-after-write workload reads an isolated replica back right after the heal (fixed seed: root 1, run 6)', () => {
  // Run 6 of root 1 (read-after-write, heavy faults, 40 ops) has one fault: b2 isolated, with its
  // clients, for steps 2 to 6. Nobody can read at b2 while it is cut off; step 7 only reads, at b2,
  // what was written during the isolation, so the lab lets it run before it waits for the streams to
  // come back, and b2's replica, whose stream reconnects after a backoff, has not caught up yet.
  const seeds = runSeeds(1, 6);
  const plan = planFor(seeds.plan, '0', { ...defaultPlanConstraints, opsMax: 40, faults: 'heavy', workload: 'read-after-write' });
  const staleSteps = async (strategy: Strategy): Promise<{ result: RunResult; steps: (number | undefined)[] }> => {
    const pool = simPool(strategy);
    try {
      const { result } = await trial(plan, seeds, { pool, limits: {}, artifactsRoot: null, shrink: false });
      // The history's invocations come in the plan's order, step by step: which step each stale read was in.
      const stepOf = plan.workload.steps.flatMap((ops, step) => ops.map(() => step));
      const invoked = result.history.filter((event) => event.type === 'invoke').map((event) => event.index);
      return { result, steps: measureStaleness(result.history).stale.map((read) => stepOf[invoked.indexOf(read.index)]) };
    } finally {
      await pool.close();
    }
  };

  test('every op of the step after the heal reads at the isolated branch, and replica reads are caught stale there', async () => {
    const faults = plan.faultSchedule.map(({ fault, atStep, healAtStep }) => ({ fault: fault.kind === 'partition' ? `${fault.mode} ${fault.from.join(',')}` : fault.kind, atStep, healAtStep }));
    expect(faults).toEqual([{ fault: 'isolate b2', atStep: 2, healAtStep: 7 }]);
    const afterHeal = plan.workload.steps[7] ?? [];
    expect(afterHeal.length).toBeGreaterThan(1);
    expect(afterHeal.every((op) => op.f === 'query' && op.branch === 'b2')).toBe(true);
    const replica = await staleSteps('lock-free:reads=local');
    expect(replica.steps.length).toBeGreaterThan(0);
    expect(replica.steps).toEqual(replica.steps.map(() => 7));
    expect(replica.result.verdict, propertyFailure(replica.result)).toBe('ok');
    const point = await staleSteps('lock-free');
    expect(point.steps).toEqual([]);
    expect(point.result.consistency?.rung).toBe('linearizable');
  }, suiteMsMax);
});
