// A plan is a pure function of (seed, path, constraints): the same bytes in this process, in another
// process, and after a shrink the plan is still valid.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkName, serializationPoint } from '../plan/index.js';
import { planArbitrary, planFor } from './index.js';
import { defaultPlanConstraints, opCount, planHash, planJson } from '../plan/index.js';
import type { Plan, PlanConstraints } from '../plan/index.js';

const root = resolve(import.meta.dirname, '..', '..');

function assertValid(plan: Plan): void {
  const { branches, accounts, steps, clients } = plan.workload;
  const accountNames = new Set(accounts.map((account) => account.account));
  const links = new Set(branches.flatMap((to) => [linkName('client', to), ...branches.filter((from) => from !== to).map((from) => linkName(from, to))]));
  for (const step of steps) {
    expect(new Set(step.map((op) => op.client)).size).toBe(step.length);
    for (const op of step) {
      expect(op.client).toBeLessThan(clients);
      expect(branches).toContain(op.branch);
      const touched = op.f === 'transfer' ? [op.from, op.to] : [op.account];
      for (const account of touched) expect(accountNames.has(account)).toBe(true);
      if (op.f === 'transfer') expect(op.from).not.toBe(op.to);
    }
  }
  for (const entry of plan.faultSchedule) {
    expect(entry.atStep).toBeLessThan(steps.length);
    expect(entry.healAtStep).toBeGreaterThan(entry.atStep);
    const { fault } = entry;
    if (fault.kind === 'kill' || fault.kind === 'pause') expect(branches).toContain(fault.node);
    else for (const link of fault.links) expect(links.has(link)).toBe(true);
  }
}

describe('plans (seed 1234)', () => {
  it('are the same bytes for the same seed and path, in this process and in another', () => {
    const here = planHash(planFor(1234, '3'));
    expect(planHash(planFor(1234, '3'))).toBe(here);
    const script = "import { planFor } from './lab/gen/index.ts'; import { planHash } from './lab/plan/index.ts'; process.stdout.write(planHash(planFor(1234, '3')));";
    const there = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(there).toBe(here);
  });

  it('differ between seeds and between paths', () => {
    expect(planJson(planFor(1234, '0'))).not.toBe(planJson(planFor(1235, '0')));
    expect(planJson(planFor(1234, '0'))).not.toBe(planJson(planFor(1234, '1')));
  });

  it('stay valid plans for every generated and every shrunk value', () => {
    const constraints = { ...defaultPlanConstraints, faults: 'heavy' as const, opsMax: 30 };
    let checked = 0;
    // The property fails on any plan with 3 or more ops or any fault, so fast-check shrinks, and
    // every candidate it shrinks to passes through assertValid.
    const details = fc.check(
      fc.property(planArbitrary(1234, constraints), (plan) => {
        assertValid(plan);
        checked += 1;
        expect(opCount(plan)).toBeLessThanOrEqual(30);
        return opCount(plan) < 3 && plan.faultSchedule.length === 0;
      }),
      { seed: 1234, numRuns: 200 },
    );
    expect(details.failed).toBe(true);
    const smallest = details.counterexample?.[0];
    // Shrunk to the edge: one fault and the one op a workload cannot lose, or three ops and no fault.
    const shape = smallest === undefined ? 'none' : `${opCount(smallest)} ops, ${smallest.faultSchedule.length} faults`;
    expect(['1 ops, 1 faults', '3 ops, 0 faults']).toContain(shape);
    expect(checked).toBeGreaterThan(10);
  });
});

describe('read-after-write plans (seeds 0 to 199)', () => {
  const constraints = { ...defaultPlanConstraints, faults: 'heavy' as const, workload: 'read-after-write' as const };

  it('read each write back soon at another branch, across the partition it was written under, and after it heals', () => {
    let reads = 0;
    let acrossPartitions = 0;
    let afterIsolates = 0;
    type Entry = Plan['faultSchedule'][number];
    const cutAt = (plan: Plan, step: number): Entry | undefined =>
      plan.faultSchedule.filter((entry) => entry.fault.kind === 'partition' && entry.atStep <= step && step < entry.healAtStep).at(-1);
    const down = (plan: Plan, step: number, branch: string): boolean => plan.faultSchedule.some(({ fault, atStep, healAtStep }) => atStep <= step && step < healAtStep
      && (fault.kind === 'partition' ? fault.links.includes(linkName('client', branch)) : fault.kind !== 'toxic' && fault.node === branch));
    const side = (entry: Entry, branch: string): string[] => (entry.fault.kind !== 'partition' ? [] : entry.fault.from.includes(branch) ? entry.fault.to : entry.fault.from);
    for (let seed = 0; seed < 200; seed += 1) {
      const plan = planFor(seed, '0', constraints);
      assertValid(plan);
      const { steps, branches } = plan.workload;
      for (const [step, ops] of steps.entries()) {
        if (step === 0 || ops.length < 2) continue;
        const cut = cutAt(plan, step);
        const starts = cut !== undefined && cut !== cutAt(plan, step - 1);
        const healed = cut === undefined ? cutAt(plan, step - 1) : undefined;
        // Right after a partition heals every client reads back what was written under it; any other full step writes too.
        const writesUnder = healed === undefined ? [] : steps.slice(healed.atStep, step).flat().filter((op) => op.f !== 'query');
        if (writesUnder.length > 0) expect(ops.every((op) => op.f === 'query'), `seed ${seed} step ${step} reads`).toBe(true);
        else if (ops.length === plan.workload.clients) expect(ops.some((op) => op.f !== 'query'), `seed ${seed} step ${step} writes`).toBe(true);
        // A partition's first step reads its own first half's writes; the step after a heal, the writes under it; any other, the step before's.
        const before = starts ? ops : writesUnder.length > 0 ? writesUnder : steps[step - 1] ?? [];
        const written = cut ?? (writesUnder.length > 0 ? healed : cutAt(plan, step - 1));
        for (const op of ops) {
          if (op.f !== 'query') continue;
          reads += 1;
          // A read never calls a branch its client cannot reach while it can reach one (the call would fail and back its channel off).
          if (branches.some((branch) => !down(plan, step, branch))) expect(down(plan, step, op.branch), `seed ${seed} step ${step}: read at cut-off ${op.branch}`).toBe(false);
          const writes = before.filter((write) => write.f !== 'query' && (write.f === 'transfer' ? write.from : write.account) === op.account && (!starts || write.client < op.client));
          expect(writes.length, `seed ${seed} step ${step}: ${op.account} was not written just before`).toBeGreaterThan(0);
          if (branches.some((branch) => branch !== op.branch && !down(plan, step, branch))) expect(writes.some((write) => write.branch !== op.branch)).toBe(true);
          if (written === undefined) continue;
          // Read where the partition cut the write off, whenever a branch there can answer.
          const across = writes.some((write) => side(written, write.branch).includes(op.branch));
          const answerable = writes.some((write) => side(written, write.branch).some((branch) => !down(plan, step, branch)));
          if (answerable) expect(across, `seed ${seed} step ${step}: read at ${op.branch}, not across`).toBe(true);
          if (across) acrossPartitions += 1;
          if (across && healed !== undefined && healed.fault.kind === 'partition' && healed.fault.mode === 'isolate') afterIsolates += 1;
        }
      }
    }
    expect(reads).toBeGreaterThan(1000);
    expect(acrossPartitions).toBeGreaterThan(100);
    expect(afterIsolates).toBeGreaterThan(10);
  });

  it('cut one way only from the branch that serializes writes, and isolate only the replicas (the mixed plans: any branch)', () => {
    const count = (shape: PlanConstraints): { oneWay: number; oneWayFromPrimary: number; isolates: number; isolatesOfPrimary: number } => {
      const counts = { oneWay: 0, oneWayFromPrimary: 0, isolates: 0, isolatesOfPrimary: 0 };
      for (let seed = 0; seed < 400; seed += 1) {
        const plan = planFor(seed, '0', shape);
        const primary = serializationPoint('a1', plan.workload.branches);
        for (const { fault } of plan.faultSchedule) {
          if (fault.kind !== 'partition') continue;
          if (fault.mode === 'one-way') {
            counts.oneWay += 1;
            if (fault.from[0] === primary) counts.oneWayFromPrimary += 1;
          }
          if (fault.mode === 'isolate') {
            counts.isolates += 1;
            if (fault.from[0] === primary) counts.isolatesOfPrimary += 1;
          }
        }
      }
      return counts;
    };
    const aimed = count(constraints);
    expect(aimed.oneWay).toBeGreaterThan(50);
    expect(aimed.oneWayFromPrimary).toBe(aimed.oneWay);
    expect(aimed.isolates).toBeGreaterThan(50);
    expect(aimed.isolatesOfPrimary).toBe(0);
    const spread = count({ ...constraints, workload: 'mixed' });
    expect(spread.oneWayFromPrimary / spread.oneWay).toBeLessThan(0.6);
    expect(spread.isolatesOfPrimary).toBeGreaterThan(10);
  });

  it('read back after the heal at the end a partition still in force in the last step, in one more step of reads (Jepsen\'s final reads)', () => {
    let finalReads = 0;
    for (let seed = 0; seed < 200; seed += 1) {
      const plan = planFor(seed, '0', constraints);
      const { steps, clients } = plan.workload;
      // No partition lasts to the end: one that would gets a step after it, with its heal before that step.
      expect(plan.faultSchedule.some(({ fault, healAtStep }) => fault.kind === 'partition' && healAtStep === steps.length), `seed ${seed}`).toBe(false);
      const last = steps.at(-1) ?? [];
      const endsWithCut = plan.faultSchedule.some(({ fault, healAtStep }) => fault.kind === 'partition' && healAtStep === steps.length - 1);
      if (!endsWithCut || plan.faultSchedule.some(({ atStep }) => atStep === steps.length - 1)) continue;
      finalReads += 1;
      expect(last.length).toBeLessThanOrEqual(clients);
      expect(last.every((op) => op.f === 'query')).toBe(true);
    }
    expect(finalReads).toBeGreaterThan(10);
    // Without a partition at the end, no step is added: the plan is as many steps as its ops fill.
    const quiet = planFor(7, '0', { ...constraints, faults: 'none' });
    expect(quiet.workload.steps.flat().length).toBeLessThanOrEqual(constraints.opsMax);
  });

  it('say their shape in the plan, which the mixed plans do not (their bytes are as before)', () => {
    expect(planFor(1234, '0', constraints).constraints.workload).toBe('read-after-write');
    expect(Object.keys(planFor(1234, '0').constraints)).not.toContain('workload');
    expect(planJson(planFor(1234, '0', constraints))).not.toBe(planJson(planFor(1234, '0')));
  });

  it('stay valid plans for every shrunk value', () => {
    const small = { ...constraints, opsMax: 30 };
    const details = fc.check(fc.property(planArbitrary(1234, small), (plan) => {
      assertValid(plan);
      return opCount(plan) < 3;
    }), { seed: 1234, numRuns: 100 });
    expect(details.failed).toBe(true);
    expect(details.counterexample?.[0] === undefined ? 0 : opCount(details.counterexample[0])).toBe(3);
  });
});
