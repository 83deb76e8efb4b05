// Plan generation: `planFor(seed, path, constraints)` gives the plan fast-check generates at that seed
// and path, the same bytes on every machine. Try: `npx faultline run --seed 7 --dry-run`.
import fc from 'fast-check';
import { normalize, rawPlanArbitrary } from './arbitrary.js';
import { withAlignedShrinks } from './aligned-shrinks.js';
import { defaultPlanConstraints } from '../plan/index.js';
import type { Plan, PlanConstraints } from '../plan/index.js';

export { normalize, rawPlanArbitrary } from './arbitrary.js';
export { alignedShrinks } from './aligned-shrinks.js';
export type { RawFault, RawOp, RawPlan, RawTarget } from './arbitrary.js';

/**
 * The arbitrary of whole plans; `path` is filled in by whoever knows it. Its shrinks are fast-check's,
 * then a step or an op taken out with the faults still at their steps (aligned-shrinks.ts).
 */
export function planArbitrary(seed: number, constraints: PlanConstraints = defaultPlanConstraints): fc.Arbitrary<Plan> {
  return withAlignedShrinks(rawPlanArbitrary(constraints), constraints).map((raw) => ({
    version: 1 as const,
    seed,
    path: '',
    constraints,
    ...normalize(raw, constraints),
  }));
}

/** Parameters that make fast-check generate the same values as `planFor` does, for a property run. */
export function generationParameters(seed: number): { seed: number } {
  return { seed };
}

/**
 * The plan at (seed, path): fast-check replays the path (a run index, then shrink steps) and we take the
 * value it reaches. Throws NoSuchPathError when the path does not exist for this seed.
 */
export function planFor(seed: number, path = '0', constraints: PlanConstraints = defaultPlanConstraints): Plan {
  let captured: Plan | undefined;
  const property = fc.property(planArbitrary(seed, constraints), (plan) => {
    captured = plan;
    return false;
  });
  fc.check(property, { ...generationParameters(seed), path, numRuns: Number(path.split(':')[0]) + 1, endOnFailure: true });
  if (captured === undefined) throw new NoSuchPathError(`no plan at seed ${seed} path '${path}'`);
  return { ...captured, path };
}

/** A path that fast-check's shrink tree does not have for this seed: bad input, not a bug. */
export class NoSuchPathError extends Error {
  readonly code = 'no-such-path' as const;
}

export function isNoSuchPath(error: unknown): error is NoSuchPathError {
  return error instanceof NoSuchPathError;
}

export { systemLinks, systemPlanArbitrary, systemPlanFor, workloadConstraintsOf } from './system-plan.js';
export type { SystemPlanRequest } from './system-plan.js';
