// Shrinking in the simulator, on no-dedup's hardest class of failure (root 1, run 481, heavy faults):
// a paused branch holds an update in its socket and a cut closes the connection meanwhile, so the
// update is applied and its ack lost, and the sender applies it again after the reconnect. fast-check
// stops at those two faults, since neither fails alone; tried as one, they become a toxic that
// swallows the acks and closes the connection when it goes, with one deposit.
import { describe, expect, test } from 'vitest';
import { planFor } from '../lab/gen/index.js';
import { defaultPlanConstraints, describeFault, opCount, runSeeds } from '../lab/plan/index.js';
import { simShrinkLimits, trial } from '../lab/run/index.js';
import { simPool } from './_testing/sim.js';

const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: 24, faults: 'heavy' as const };
/** Where fast-check's own shrinks and the aligned ones end: pause b2, then isolate b1, two ops. */
const twoFaults = '0:2:1:1:1:1:1:2:2:2:2:2:2:2:2:2:4:3:3:3:3:3:5:5:5:6:5:7:7:7:7:7:7:4:6:8:8:8:8:8:8:8:8:10';

describe('sim shrink: no-dedup (root 1, run 481)', () => {
  test('a pause and a cut that are both needed shrink to one fault and one op', async () => {
    const pool = simPool('lock-free', 'no-dedup');
    try {
      const seeds = runSeeds(1, 481);
      const plan = planFor(seeds.plan, twoFaults, constraints);
      expect(plan.faultSchedule.map((entry) => describeFault(entry.fault))).toEqual(['pause b2', 'partition (isolate) b1 | b2,b3']);
      const outcome = await trial(plan, seeds, { pool, limits: {}, artifactsRoot: null, shrink: true, shrinkLimits: { ...simShrinkLimits, shrinkMsMax: Infinity } });
      expect(outcome.result.verdict).toBe('illegal');
      const smallest = outcome.shrunk?.smallest;
      expect(smallest?.verdict).toBe('illegal');
      expect(smallest?.checks.find((check) => check.verdict === 'illegal')?.kind).toBe('exactly-once');
      expect(smallest === undefined ? 0 : opCount(smallest.plan)).toBe(1);
      expect(smallest?.plan.faultSchedule.map((entry) => describeFault(entry.fault))).toEqual(['timeout(timeoutMs=0) downstream on b1-b2,b1-b3,b2-b1,b3-b1']);
      // The shrunk path names the same plan for anyone who replays it.
      expect(planFor(seeds.plan, smallest?.plan.path ?? '', constraints).faultSchedule).toEqual(smallest?.plan.faultSchedule);
    } finally {
      await pool.close();
    }
  });
});
