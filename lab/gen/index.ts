// Plan generation: `planFor(seed, path, constraints)` gives the plan fast-check generates at that seed
// and path, the same bytes on every machine. Try: `npx faultline run --seed 7 --dry-run`.
import fc from 'fast-check';
import { normalize, rawPlanArbitrary } from './arbitrary.js';
import { withAlignedShrinks } from './aligned-shrinks.js';
import { valueAtPath } from './path.js';
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
  return valueAtPath(planArbitrary(seed, constraints), generationParameters(seed).seed, path);
}

export { isNoSuchPath, NoSuchPathError } from './path.js';
export { systemLinks, systemPlanArbitrary, systemPlanFor, workloadConstraintsOf } from './system-plan.js';
export type { SystemPlanRequest } from './system-plan.js';
