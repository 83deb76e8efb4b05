// The aligned shrink candidates: a step or an op taken out leaves the rest of the plan where it was,
// and they come after fast-check's own, so a shrunk path names the same plan as before they existed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPlanConstraints, describeFault } from '../plan/index.js';
import type { Plan, PlanOp } from '../plan/index.js';
import { alignedShrinks } from './aligned-shrinks.js';
import { normalize, rawPlanArbitrary } from './arbitrary.js';
import type { RawFault, RawOp, RawPlan } from './arbitrary.js';
import { planFor } from './index.js';

const constraints = { ...defaultPlanConstraints, branchesMin: 3, branchesMax: 3, opsMax: 24, faults: 'heavy' as const };

/** planFor as it was before the aligned candidates: fast-check's shrinks only. */
function plainPlanFor(seed: number, path: string): Plan {
  let captured: Plan | undefined;
  const arbitrary = rawPlanArbitrary(constraints).map((raw) => ({ version: 1 as const, seed, path: '', constraints, ...normalize(raw, constraints) }));
  fc.check(fc.property(arbitrary, (plan) => { captured = plan; return false; }), { seed, path, numRuns: Number(path.split(':')[0]) + 1, endOnFailure: true });
  return { ...(captured as Plan), path };
}

const op = (kind: RawOp['kind'], account: number, branchShift: number): RawOp => ({ kind, hot: false, account, other: 0, amount: 5, retries: 0, branchShift });

const fault: RawFault = { kind: 'kill', mode: 'isolate', toxic: { kind: 'latency', latencyMs: 5, jitterMs: 0 }, stream: 'upstream', target: { scope: 'both', node: 1 }, split: 0, atStep: 6, duration: 2 };

/** Four steps of one op (the second step has three), a fault at step 2 healing at the end. */
const raw: RawPlan = {
  branches: 3, balances: [10, 10, 10, 10], clients: 3,
  steps: [[op('deposit', 0, 0)], [op('deposit', 1, 0), op('withdraw', 2, 0), op('query', 3, 0)], [op('withdraw', 0, 0)], [op('query', 0, 0)]],
  faults: [fault],
};

/** An op without its request id and client, which follow its position. */
function essence(planOp: PlanOp): string {
  const { client: _client, ...rest } = planOp;
  return JSON.stringify({ ...rest, requestId: undefined });
}

describe('aligned shrink candidates (seed 1234)', () => {
  it('leave generation and fast-check shrink paths as they were', () => {
    for (const path of ['0', '3', '1:0', '2:1:1', '0:3:2:2:5']) {
      expect(JSON.stringify(planFor(1234, path, constraints)), path).toBe(JSON.stringify(plainPlanFor(1234, path)));
    }
  });

  it('take a step out with the faults still at the steps they were at', () => {
    const before = normalize(raw, constraints);
    expect(before.faultSchedule.map((entry) => [entry.atStep, entry.healAtStep])).toEqual([[2, 4]]);
    const withoutFirst = normalize(alignedShrinks(raw, constraints).find((candidate) => candidate.steps.length === 3 && candidate.steps[0]?.length === 3) as RawPlan, constraints);
    expect(withoutFirst.faultSchedule.map((entry) => [entry.atStep, entry.healAtStep])).toEqual([[1, 3]]);
    expect(withoutFirst.workload.steps.slice(1).flat().map(essence)).toEqual(before.workload.steps.slice(2).flat().map(essence));
  });

  it('take an op out with the ops after it kept on their branches', () => {
    const before = normalize(raw, constraints);
    const candidates = alignedShrinks(raw, constraints).filter((candidate) => candidate.steps.length === 4);
    expect(candidates).toHaveLength(3);
    for (const candidate of candidates) {
      const after = normalize(candidate, constraints);
      const left = after.workload.steps[1]?.map(essence) ?? [];
      expect(left).toHaveLength(2);
      for (const kept of left) expect(before.workload.steps[1]?.map(essence)).toContain(kept);
      expect(after.faultSchedule).toEqual(before.faultSchedule);
    }
  });

  it('try two faults as one of each simple kind, for as long as both lasted, and one fault not at all', () => {
    const pause: RawFault = { ...fault, kind: 'pause', target: { scope: 'both', node: 1 }, atStep: 0, duration: 2 };
    const cut: RawFault = { ...fault, kind: 'partition', mode: 'isolate', target: { scope: 'both', node: 0 }, atStep: 1, duration: 2 };
    const oneFault = (candidate: RawPlan): boolean => candidate.faults.length === 1 && candidate.steps.length === 4;
    expect(alignedShrinks({ ...raw, faults: [pause] }, constraints).filter(oneFault).filter((candidate) => candidate.faults[0] !== pause)).toEqual([]);
    const merged = alignedShrinks({ ...raw, faults: [pause, cut] }, constraints).filter(oneFault).map((candidate) => normalize(candidate, constraints));
    const kinds = merged.map((plan) => {
      const [entry] = plan.faultSchedule;
      expect([entry?.atStep, entry?.healAtStep]).toEqual([0, 3]);
      return entry === undefined ? '' : describeFault(entry.fault);
    });
    expect(kinds).toContain('timeout(timeoutMs=0) downstream on b2-b1,b2-b3,b1-b2,b3-b2');
    expect(kinds).toContain('pause b2');
    expect(kinds).toContain('partition (isolate) b1 | b2,b3');
    expect(new Set(kinds).size).toBe(14);
  });
});
