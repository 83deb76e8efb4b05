// Every hand-written scenario (scenarios/plans) runs under each strategy it names and must get its
// expected verdict: `pass` (every check ok), `caught` (a violation), or `any` (run, not judged).
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../lab/run/scenarios.js';
import type { Strategy } from '../lab/gen/plan.js';
import { runPlan } from '../lab/run/runner.js';
import type { ClusterPool } from '../lab/run/pool.js';
import { failureMessage } from './failure.js';
import { propertyLimits, suitePool } from './support.js';

const scenarios = loadScenarios();
const pools = new Map<Strategy, ClusterPool>();

function poolFor(strategy: Strategy): ClusterPool {
  let pool = pools.get(strategy);
  if (pool === undefined) {
    pool = suitePool(strategy, 1);
    pools.set(strategy, pool);
  }
  return pool;
}

describe('scenarios', () => {
  afterAll(async () => {
    for (const pool of pools.values()) await pool.close();
  });

  for (const scenario of scenarios) {
    for (const [strategy, expectation] of Object.entries(scenario.expect) as [Strategy, string][]) {
      if (expectation === 'any') continue;
      it(`${scenario.name} under ${strategy}: ${expectation}`, async () => {
        const result = await runPlan({ plan: scenario.plan, pool: poolFor(strategy), limits: propertyLimits, artifactsRoot: 'artifacts/scenarios', runId: `${scenario.name}-${strategy}` });
        if (expectation === 'pass') expect(result.verdict, failureMessage(result)).toBe('ok');
        else expect(result.verdict, `${scenario.name} was not caught under ${strategy}`).toBe('illegal');
      });
    }
  }
});
