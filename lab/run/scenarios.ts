// Hand-written plans with known verdicts (scenarios/plans/*.json), loaded and checked for shape here;
// run by properties/scenarios.test.ts under every strategy they name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath, runSeeds } from '../plan/index.js';
import type { Plan, RunSeeds, Strategy } from '../plan/index.js';
import { validatePlan } from '../report/index.js';

export type Expectation = 'pass' | 'caught' | 'any';

export interface Scenario {
  name: string;
  description: string;
  expect: Partial<Record<Strategy, Expectation>>;
  plan: Plan;
}

export const scenariosDirectory = packagePath('scenarios', 'plans');

export function loadScenarios(directory = scenariosDirectory): Scenario[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const scenario = JSON.parse(readFileSync(join(directory, name), 'utf8')) as Scenario;
      if (typeof scenario.expect !== 'object' || scenario.expect === null) throw new Error(`${name} is not a scenario: no expect`);
      const checked = validatePlan(scenario.plan);
      if ('problem' in checked) throw new Error(`${name} is not a scenario: plan.${checked.problem}`);
      return { ...scenario, plan: checked.plan };
    });
}

/** A scenario's plan is written by hand, not generated: its runs take the seeds of index 0 of its plan's seed. */
export function scenarioSeeds(scenario: Scenario): RunSeeds {
  return runSeeds(scenario.plan.seed, 0);
}
