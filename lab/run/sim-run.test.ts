// A simulated run replays byte for byte, touches no real clock, timer or random source, and the
// determinism check catches a planted real Date.now behind a node's clock.
import { describe, expect, it } from 'vitest';
import { planFor } from '../gen/index.js';
import { defaultPlanConstraints, runSeeds } from '../plan/index.js';
import type { NodeRuntime } from '../systems/bank/index.js';
import type { Clock } from '../systems/index.js';
import { checkDeterminism, describeDifference, runSimPlan } from './index.js';
import type { SimRunRequest } from './index.js';

function request(index: number): SimRunRequest {
  const seeds = runSeeds(20261203, index);
  const plan = planFor(seeds.plan, '0', { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: 40, faults: 'heavy' });
  return { plan, seeds, strategy: 'lock-free' };
}

/** The plant: every timer of the node comes due a few real milliseconds late, as a real clock would have it. */
function drifting(runtime: NodeRuntime): NodeRuntime {
  const clock: Clock = {
    ...runtime.clock,
    now: () => runtime.clock.now(),
    monotonicMs: () => runtime.clock.monotonicMs(),
    after: (callback, delayMs, options) => runtime.clock.after(callback, delayMs + (Date.now() % 7), options),
    cancel: (timer) => runtime.clock.cancel(timer),
    every: (callback, everyMs, options) => runtime.clock.every(callback, everyMs, options),
    afterTurn: (callback) => runtime.clock.afterTurn(callback),
    sleep: (delayMs) => runtime.clock.sleep(delayMs + (Date.now() % 7)),
  };
  return { ...runtime, clock };
}

describe('simulated runs', () => {
  it('give the same trace twice, with no real clock, timer or random call from the lab', async () => {
    for (const index of [0, 1, 2]) {
      const first = await runSimPlan(request(index));
      expect(first.sim.guard.calls, first.sim.guard.first?.stack).toBe(0);
      expect(first.trace.length).toBeGreaterThan(50);
      const check = await checkDeterminism(request(index), first.trace);
      expect(check.same, describeDifference(check)).toBe(true);
    }
  });

  it('record every message between branches for the report, each received after it was sent', async () => {
    const { result } = await runSimPlan(request(1));
    const messages = result.messages ?? [];
    const branches = new Set(result.plan.workload.branches);
    expect(messages.length).toBeGreaterThan(20);
    expect(messages.every((message) => branches.has(message.from) && branches.has(message.to) && message.from !== message.to)).toBe(true);
    expect(messages.every((message) => message.receivedNs === null || message.receivedNs >= message.sentNs)).toBe(true);
    expect(new Set(messages.map((message) => message.kind))).toContain('propagate');
  });

  it('catch a planted Date.now: the traces differ, the first differing event is named, and the guard counts it', async () => {
    const planted = { ...request(0), runtimeFor: (_branch: string, runtime: NodeRuntime) => drifting(runtime) };
    const first = await runSimPlan(planted);
    expect(first.sim.guard.calls).toBeGreaterThan(0);
    expect(first.sim.guard.first?.name).toBe('Date.now');
    const check = await checkDeterminism(planted, first.trace);
    expect(check.same).toBe(false);
    expect(describeDifference(check)).toMatch(/the traces differ first at event \d+:\n {2}first run: {2}\{"t":/);
  });

  it('end unknown, naming the limit, when a run reaches one of the simulator\'s limits', async () => {
    const { result } = await runSimPlan({ ...request(1), simLimits: { eventsMax: 40 } });
    expect(result.verdict).toBe('unknown');
    expect(result.checks.map((check) => check.summary).join(' ')).toContain('eventsMax');
  });

  it('turn a throw inside node code into a crash verdict with the trace up to it, not a crashed run', async () => {
    let timers = 0;
    const throwing = (_branch: string, runtime: NodeRuntime): NodeRuntime => ({
      ...runtime,
      clock: { ...runtime.clock, now: () => runtime.clock.now(), monotonicMs: () => runtime.clock.monotonicMs(),
        cancel: (timer) => runtime.clock.cancel(timer), every: (callback, everyMs, options) => runtime.clock.every(callback, everyMs, options),
        afterTurn: (callback) => runtime.clock.afterTurn(callback), sleep: (delayMs) => runtime.clock.sleep(delayMs),
        after: (callback, delayMs, options) => runtime.clock.after(() => {
          timers += 1;
          if (timers === 5) throw new Error('planted crash');
          callback();
        }, delayMs, options) },
    });
    const { result, trace } = await runSimPlan({ ...request(0), runtimeFor: throwing });
    expect(result.verdict).toBe('illegal');
    expect(result.checks[0]?.summary).toMatch(/the system crashed: timer b\d \d+ threw at [\d.]+ ms: Error: planted crash/);
    expect(trace.length).toBeGreaterThan(0);
  });
});
