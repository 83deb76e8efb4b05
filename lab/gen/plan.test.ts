// A plan is a pure function of (seed, path, constraints): the same bytes in this process, in another
// process, and after a shrink the plan is still valid.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkName, serializationPoint } from '../plan/index.js';
import { planArbitrary, planFor } from './index.js';
import { defaultPlanConstraints, opCount, planHash, planJson } from '../plan/index.js';
import type { Plan } from '../plan/index.js';

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

  it('aim half of their one-way partitions at the branch that serializes writes, and no other partition', () => {
    const oneWay = { fromPrimary: 0, all: 0 };
    let isolates = 0;
    let isolatesOfPrimary = 0;
    for (let seed = 0; seed < 400; seed += 1) {
      const plan = planFor(seed, '0', constraints);
      const primary = serializationPoint('a1', plan.workload.branches);
      for (const { fault } of plan.faultSchedule) {
        if (fault.kind !== 'partition' || plan.workload.branches.length < 3) continue;
        if (fault.mode === 'one-way') {
          oneWay.all += 1;
          if (fault.from[0] === primary) oneWay.fromPrimary += 1;
        }
        if (fault.mode === 'isolate') {
          isolates += 1;
          if (fault.from[0] === primary) isolatesOfPrimary += 1;
        }
      }
    }
    // Half aimed, and the rest spread over the 3 to 5 branches; isolates only spread.
    expect(oneWay.fromPrimary / oneWay.all).toBeGreaterThan(0.55);
    expect(oneWay.fromPrimary / oneWay.all).toBeLessThan(0.8);
    expect(isolatesOfPrimary / isolates).toBeLessThan(0.4);
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
