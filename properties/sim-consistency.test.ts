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

describe('sim: the read-after-write workload reads an isolated replica back after the heal at the end (fixed seed: root 1, run 6)', () => {
  // Run 6 of root 1 (read-after-write, heavy faults, 40 ops) has one fault: b3 isolated, with its
  // clients, from step 12 to the end of the workload. Nobody can read at b3 while it is cut off, and
  // the heal at the end would have come after the last read; so the plan has one more step (14), of
  // reads alone, at b3, of what was written during the isolation (Jepsen's final reads), with the
  // heal before it. The lab lets a step of reads go before it waits for the streams to come back, and
  // b3's replica, whose stream reconnects after a backoff, has not caught up yet.
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

  test('a step of reads at the isolated branch follows the heal at the end, and replica reads are caught stale there', async () => {
    const faults = plan.faultSchedule.map(({ fault, atStep, healAtStep }) => ({ fault: fault.kind === 'partition' ? `${fault.mode} ${fault.from.join(',')}` : fault.kind, atStep, healAtStep }));
    expect(faults).toEqual([{ fault: 'isolate b3', atStep: 12, healAtStep: 14 }]);
    expect(plan.workload.steps.length).toBe(15);
    const finalReads = plan.workload.steps[14] ?? [];
    expect(finalReads.length).toBe(plan.workload.clients);
    expect(finalReads.every((op) => op.f === 'query' && op.branch === 'b3')).toBe(true);
    const replica = await staleSteps('lock-free:reads=local');
    expect(replica.steps.length).toBeGreaterThan(0);
    expect(replica.steps).toEqual(replica.steps.map(() => 14));
    expect(replica.result.verdict, propertyFailure(replica.result)).toBe('ok');
    const point = await staleSteps('lock-free');
    expect(point.steps).toEqual([]);
    expect(point.result.consistency?.rung).toBe('linearizable');
  }, suiteMsMax);
});

describe('sim: the read-after-write workload reads an isolated replica back right after a heal in the middle of the run (fixed seed: root 1, run 26)', () => {
  // Run 26 of root 1 (read-after-write, heavy faults, 40 ops, one client) isolates b3 from step 2 to
  // step 9. Step 9 only reads, at b3, the write of step 8 (made at b1 during the isolation); the lab
  // lets it go before it waits for the streams, and b3's replica has not caught up yet.
  const seeds = runSeeds(1, 26);
  const plan = planFor(seeds.plan, '0', { ...defaultPlanConstraints, opsMax: 40, faults: 'heavy', workload: 'read-after-write' });

  test('the read right after the heal is at the isolated branch and is caught stale', async () => {
    expect(plan.faultSchedule.filter(({ fault }) => fault.kind === 'partition').map(({ fault, atStep, healAtStep }) => [fault.kind === 'partition' ? fault.from : [], atStep, healAtStep])).toContainEqual([['b3'], 2, 9]);
    expect(plan.workload.steps[8]).toMatchObject([{ f: 'deposit', branch: 'b1', account: 'a3' }]);
    expect(plan.workload.steps[9]).toMatchObject([{ f: 'query', branch: 'b3', account: 'a3' }]);
    const pool = simPool('lock-free:reads=local');
    try {
      const { result } = await trial(plan, seeds, { pool, limits: {}, artifactsRoot: null, shrink: false });
      // One client: the history's invocations are the plan's ops in order, so invocation 9 is step 9's read.
      const invoked = result.history.filter((event) => event.type === 'invoke').map((event) => event.index);
      expect(measureStaleness(result.history).stale.map((read) => invoked.indexOf(read.index))).toContain(9);
      expect(result.verdict, propertyFailure(result)).toBe('ok');
    } finally {
      await pool.close();
    }
  }, suiteMsMax);
});
