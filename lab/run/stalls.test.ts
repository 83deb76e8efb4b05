// The simulator's CPU stalls, replayed for real: which stalls are kept and where they fall, the
// injector's signals (on the simulator's clock, with stand-in process controls that only record), and
// on a real cluster: a node stopped past its caller's deadline makes the retry that no-dedup applies twice.
// Run: `CI=true npx vitest run lab/run/stalls.test.ts`.
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder } from '../client/index.js';
import type { Plan, PlanOp } from '../plan/index.js';
import { defaultPlanConstraints, runSeeds } from '../plan/index.js';
import { SimClock, SimLoop } from '../sim/index.js';
import { planFor } from '../gen/index.js';
import { ClusterPool } from './pool.js';
import { runPlan } from './runner.js';
import { StallInjector, stallReplayMsMin, stallsOf } from './stalls.js';
import type { StallControls } from './stalls.js';

function plan(steps: PlanOp[][], faultSchedule: Plan['faultSchedule'] = []): Plan {
  return {
    version: 1, seed: 13, path: '0', constraints: { ...defaultPlanConstraints, faults: 'light' },
    workload: { branches: ['b1', 'b2', 'b3'], accounts: [{ account: 'a1', balance: 0 }], clients: 1, steps },
    faultSchedule,
  };
}

const deposit = (branch: string, retries = 0): PlanOp => ({ f: 'deposit', client: 0, branch, retries, account: 'a1', amount: 10, requestId: 'd1' });
const query = (branch: string): PlanOp => ({ f: 'query', client: 0, branch, retries: 0, account: 'a1' });

describe('stallsOf', () => {
  it('keeps the branches\' stalls of at least stallReplayMsMin, placed by the step they began in', () => {
    const held = [
      { process: 'b2', atMs: 250, ms: 600 }, // in step 1
      { process: 'b1', atMs: 120, ms: 30 }, // too short to matter for real
      { process: 'b3', atMs: 50, ms: 200 }, // began before the workload: counts from step 0, for what is left of it
      { process: 'lab', atMs: 260, ms: 900 }, // not a branch
      { process: 'b1', atMs: 400, ms: stallReplayMsMin }, // in step 2
    ];
    expect(stallsOf(held, [100, 200, 300], plan([[query('b1')], [query('b1')], [query('b1')]]))).toEqual([
      { node: 'b2', step: 1, offsetMs: 50, ms: 600 },
      { node: 'b3', step: 0, offsetMs: 0, ms: 150 },
      { node: 'b1', step: 2, offsetMs: 100, ms: stallReplayMsMin },
    ]);
  });
});

describe('StallInjector', () => {
  it('stops a node at its offset into the step and lets it go as long after; stop ends what is left', async () => {
    const loop = new SimLoop({ seed: 1 });
    const clock = new SimClock(loop, undefined);
    const signals: string[] = [];
    const paused = new Set<string>();
    const controls: StallControls = {
      pause: (node) => { paused.add(node); signals.push(`${loop.now} STOP ${node}`); },
      resume: (node) => { paused.delete(node); signals.push(`${loop.now} CONT ${node}`); },
      isRunning: () => true,
      isPaused: (node) => paused.has(node),
    };
    const recorder = new Recorder(1, () => Math.round(loop.now * 1e6));
    const stalls = [{ node: 'b2', step: 1, offsetMs: 5, ms: 100 }, { node: 'b3', step: 1, offsetMs: 10, ms: 1_000 }, { node: 'b1', step: 2, offsetMs: 1, ms: 80 }];
    // b1 is paused by the plan from step 2: its stall is left to the plan.
    const injector = new StallInjector(stalls, plan([[query('b1')], [query('b1')], [query('b1')]], [{ atStep: 2, healAtStep: 3, fault: { kind: 'pause', node: 'b1' } }]), controls, recorder, clock);
    await loop.run(async () => {
      injector.atStep(0);
      await loop.sleep(50);
      injector.atStep(1);
      await loop.sleep(300);
      injector.atStep(2);
      await loop.sleep(20);
      injector.stop(3);
    });
    expect(signals).toEqual(['55 STOP b2', '60 STOP b3', '155 CONT b2', '370 CONT b3']);
    expect(recorder.nemesis.map((event) => event.type)).toEqual(['start', 'start', 'stop', 'skip', 'stop']);
    expect(recorder.nemesis[3]?.error).toContain('pauses this node');
  });
});

describe('stalls on a real cluster (lock-free + no-dedup)', () => {
  const pool = new ClusterPool({ strategy: 'lock-free', bug: 'no-dedup', proxy: 'embedded', reuse: true, stalls: 'sim' });
  afterAll(async () => {
    await pool.close();
  });

  it('a branch stopped past the deposit\'s deadline: the retry elsewhere applies it, then the branch does too', async () => {
    // b2 stops as step 1 begins (its query goes to b1), so it is stopped before step 2's deposit reaches it.
    const candidate = plan([[query('b2')], [query('b1')], [deposit('b2', 1)], [query('b1')]]);
    const seeds = runSeeds(13, 0);
    const stalled = await runPlan({ plan: candidate, seeds, pool, stalls: [{ node: 'b2', step: 1, offsetMs: 0, ms: 1_500 }] });
    expect(stalled.violations).toContain('exactly-once');
    expect(stalled.nemesis.some((event) => event.description.startsWith('stall b2 for 1500 ms'))).toBe(true);
  });

  it('--stalls sim: the simulator\'s run of the plan says where (root 4242 k832, no fault but a stall of b3)', async () => {
    const seeds = runSeeds(4242, 832);
    const candidate = planFor(seeds.plan, '0', { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: 24, faults: 'light' });
    expect(candidate.faultSchedule).toEqual([]);
    const result = await runPlan({ plan: candidate, seeds, pool });
    // The simulator's stall of b3 (1,063 ms, 6.3 ms into step 1) is replayed where it drew it. Whether
    // the op reaches b3 before the signal does is the real machine's race; the test above has none.
    const stall = result.nemesis.find((event) => event.type === 'start' && event.description.startsWith('stall b3'));
    expect(stall?.step).toBe(1);
    expect(stall?.description).toMatch(/^stall b3 for 1063 ms, 6\.3 ms into step 1/);
  });
});
