// The plan schema accepts every generated plan and every scenario, refuses bad ones by the first
// offending path, and docs/plan.schema.json is what the schema generates.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFor } from '../gen/index.js';
import { defaultPlanConstraints, runSeeds } from '../plan/index.js';
import { planJsonSchema, validatePlan } from './plan-schema.js';
import type { Plan } from '../plan/index.js';

const root = resolve(import.meta.dirname, '..', '..');

function valid(value: unknown): Plan {
  const checked = validatePlan(value);
  if ('problem' in checked) throw new Error(checked.problem);
  return checked.plan;
}

describe('the plan schema', () => {
  it('accepts generated plans of every fault level and every scenario', () => {
    for (const faults of ['none', 'light', 'heavy'] as const) {
      for (let index = 0; index < 30; index += 1) valid(planFor(runSeeds(11, index).plan, '0', { ...defaultPlanConstraints, faults }));
    }
    const scenarios = join(root, 'scenarios', 'plans');
    for (const name of readdirSync(scenarios)) valid((JSON.parse(readFileSync(join(scenarios, name), 'utf8')) as { plan: unknown }).plan);
  });

  it('names the first offending path of a bad plan', () => {
    const plan = planFor(runSeeds(3, 0).plan, '0', { ...defaultPlanConstraints, faults: 'heavy' });
    const first = plan.workload.steps[0]?.[0];
    if (first === undefined) throw new Error('the plan has no op');
    const withAmount = (amount: number): unknown => ({ ...plan, workload: { ...plan.workload, steps: [[{ ...first, f: 'deposit', account: 'a1', amount, requestId: 'r' }]] } });
    expect(validatePlan(withAmount(-1e300))).toEqual({ problem: expect.stringMatching(/^workload\.steps\.0\.0\.amount: /) });
    expect(validatePlan({ ...plan, workload: { ...plan.workload, steps: [[{ ...first, f: 'launder' }]] } })).toEqual({ problem: expect.stringMatching(/^workload\.steps\.0\.0\.f: /) });
    expect(validatePlan({ ...plan, faultSchedule: [{ atStep: 0, healAtStep: 1, fault: { kind: 'kill', node: 'b9' } }] })).toEqual({ problem: expect.stringMatching(/node 'b9' is not in the cluster/) });
    expect(validatePlan({ ...plan, workload: { ...plan.workload, steps: [[{ ...first, branch: 'b9' }]] } })).toEqual({ problem: expect.stringMatching(/branch 'b9'/) });
    expect(validatePlan('not a plan')).toEqual({ problem: expect.stringMatching(/^\(the plan\): /) });
  });

  it('is what docs/plan.schema.json publishes (npm run schema writes it)', () => {
    const published = JSON.parse(readFileSync(join(root, 'docs', 'plan.schema.json'), 'utf8')) as unknown;
    expect(published).toEqual(JSON.parse(JSON.stringify(planJsonSchema())));
  });
});
