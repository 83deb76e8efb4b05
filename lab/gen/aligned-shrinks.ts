// Shrink candidates fast-check cannot make on a raw plan: a step or an op taken out with everything
// else left where it was, and several faults tried as one. fast-check removes array items too, but a
// raw fault's step is taken modulo the step count and an op's branch from its position, so a removal
// moves every fault and retargets later ops, and the smaller plan rarely fails the same way. These
// candidates re-aim the faults at the same steps and keep each remaining op on its branch. They come
// after fast-check's own, so every existing path (a run index, then indices into the shrink streams)
// still names the same plan.
// Try it: `alignedShrinks(raw, constraints)` lists the candidates of one raw plan.
import fc from 'fast-check';
import type { PlanConstraints } from '../plan/index.js';
import { faultDurationStepsMax } from './arbitrary.js';
import type { RawFault, RawOp, RawPlan } from './arbitrary.js';

/** How many steps and ops per step `normalize` keeps of a raw plan (the rest is cut by opsMax or the clients). */
function usedShape(raw: RawPlan, constraints: PlanConstraints): number[] {
  const used: number[] = [];
  let total = 0;
  for (const step of raw.steps) {
    if (total >= constraints.opsMax) break;
    const ops = Math.min(step.length, raw.clients, constraints.opsMax - total);
    used.push(ops);
    total += ops;
  }
  return used;
}

/** A raw fault that applies and heals at the same steps of `steps - 1` steps once step `removed` is gone. */
function faultWithout(fault: RawFault, steps: number, removed: number): RawFault {
  const atStep = fault.atStep % steps;
  const healAtStep = Math.min(atStep + fault.duration, steps);
  const left = steps - 1;
  const newAt = Math.min(atStep > removed ? atStep - 1 : atStep, left - 1);
  const newHeal = healAtStep > removed ? healAtStep - 1 : healAtStep;
  return { ...fault, atStep: newAt, duration: Math.max(1, newHeal - newAt) };
}

/** The op at position `from` of a step, moved to position `to`: the same branch (normalize picks it by position). */
function movedOp(op: RawOp, from: number, to: number, branches: number): RawOp {
  return { ...op, branchShift: (((from + op.branchShift - to) % branches) + branches) % branches };
}

/** Every step taken out in turn (last first), the faults re-aimed at the steps they were at. */
function withoutSteps(raw: RawPlan, used: number[]): RawPlan[] {
  const steps = used.length;
  if (steps < 2) return [];
  const candidates: RawPlan[] = [];
  const kept = raw.steps.slice(0, steps).map((step, index) => step.slice(0, used[index]));
  for (let removed = steps - 1; removed >= 0; removed -= 1) {
    candidates.push({
      ...raw,
      steps: kept.filter((_, index) => index !== removed),
      faults: raw.faults.map((fault) => faultWithout(fault, steps, removed)),
    });
  }
  return candidates;
}

/** Every op of a step with more than one taken out in turn, the ops after it kept on their branches. */
function withoutOps(raw: RawPlan, used: number[]): RawPlan[] {
  const candidates: RawPlan[] = [];
  const kept = raw.steps.slice(0, used.length).map((step, index) => step.slice(0, used[index]));
  for (const [index, step] of kept.entries()) {
    if (step.length < 2) continue;
    for (let removed = step.length - 1; removed >= 0; removed -= 1) {
      const ops = step.filter((_, position) => position !== removed).map((op, position) => (position < removed ? op : movedOp(op, position + 1, position, raw.branches)));
      candidates.push({ ...raw, steps: kept.map((other, at) => (at === index ? ops : other)) });
    }
  }
  return candidates;
}

/** The simplest fault of each kind at `node`: what several faults are tried as, one at a time. */
function simplestFaultsAt(anchor: RawFault): RawFault[] {
  const toxic = (kind: 'timeout' | 'reset_peer', stream: RawFault['stream']): RawFault => ({
    ...anchor, kind: 'toxic', toxic: { kind, timeoutMs: 0 }, stream, target: { scope: 'both', node: anchor.target.node },
  });
  return [
    { ...anchor, kind: 'pause' },
    { ...anchor, kind: 'kill' },
    { ...anchor, kind: 'partition', mode: 'isolate' },
    toxic('timeout', 'downstream'),
    toxic('timeout', 'upstream'),
    toxic('reset_peer', 'downstream'),
    toxic('reset_peer', 'upstream'),
  ];
}

/**
 * A plan of several faults tried with one instead, for as long as they lasted together: the simplest
 * fault of each kind at each node they touched. Two faults that are both needed (one holds a message,
 * the other ends its connection) are often one fault of another kind (a toxic that swallows the replies
 * and ends the connection when it goes); fast-check only takes faults out or changes their numbers.
 */
function asOneFault(raw: RawPlan, used: number[]): RawPlan[] {
  const steps = used.length;
  if (raw.faults.length < 2 || steps === 0) return [];
  const starts = raw.faults.map((fault) => fault.atStep % steps);
  const ends = raw.faults.map((fault, index) => Math.min((starts[index] ?? 0) + fault.duration, steps));
  const atStep = Math.min(...starts);
  const duration = Math.max(1, Math.min(Math.max(...ends) - atStep, faultDurationStepsMax));
  const nodes = new Set<number>();
  const candidates: RawPlan[] = [];
  for (const fault of raw.faults) {
    const node = fault.target.node % raw.branches;
    if (nodes.has(node)) continue;
    nodes.add(node);
    const anchor: RawFault = { ...fault, atStep, duration, target: { ...fault.target, node } };
    for (const single of simplestFaultsAt(anchor)) candidates.push({ ...raw, faults: [single] });
  }
  return candidates;
}

/** The aligned candidates of one raw plan: steps out first (the bigger cuts), then single ops, then one fault for several. */
export function alignedShrinks(raw: RawPlan, constraints: PlanConstraints): RawPlan[] {
  const used = usedShape(raw, constraints);
  return [...withoutSteps(raw, used), ...withoutOps(raw, used), ...asOneFault(raw, used)];
}

/** `base` with the aligned candidates after its own shrinks; it generates exactly what `base` does. */
class AlignedShrinkArbitrary extends fc.Arbitrary<RawPlan> {
  constructor(private readonly base: fc.Arbitrary<RawPlan>, private readonly constraints: PlanConstraints) {
    super();
  }

  generate(random: fc.Random, biasFactor: number | undefined): fc.Value<RawPlan> {
    return this.base.generate(random, biasFactor);
  }

  canShrinkWithoutContext(value: unknown): value is RawPlan {
    return this.base.canShrinkWithoutContext(value);
  }

  shrink(value: RawPlan, context: unknown): fc.Stream<fc.Value<RawPlan>> {
    const aligned = fc.Stream.of(...alignedShrinks(value, this.constraints)).map((candidate) => new fc.Value(candidate, undefined));
    return this.base.shrink(value, context).join(aligned);
  }
}

export function withAlignedShrinks(base: fc.Arbitrary<RawPlan>, constraints: PlanConstraints): fc.Arbitrary<RawPlan> {
  return new AlignedShrinkArbitrary(base, constraints);
}
