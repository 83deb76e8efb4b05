// Every hand-written scenario (scenarios/plans) runs under each strategy it names and must get its
// expected verdict: `pass` (every check ok), `caught` (a violation), or `any` (run, not judged).
import { afterAll, describe, expect, it } from 'vitest';
import type { Strategy } from '../lab/plan/index.js';
import { loadScenarios, scenarioSeeds, trial } from '../lab/run/index.js';
import type { ClusterPool } from '../lab/run/index.js';
import { propertyFailure } from '../lab/report/index.js';
import { propertyLimits, suitePool } from './_testing/support.js';

const scenarios = loadScenarios();
const pools = new Map<Strategy, ClusterPool>();

function poolFor(strategy: Strategy): ClusterPool {
  let pool = pools.get(strategy);
  if (pool === undefined) {
    pool = suitePool(strategy);
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
        const options = { pool: poolFor(strategy), limits: propertyLimits, artifactsRoot: 'artifacts/scenarios', shrink: false };
        const { result } = await trial(scenario.plan, scenarioSeeds(scenario), options);
        if (expectation === 'pass') expect(result.verdict, propertyFailure(result)).toBe('ok');
        else expect(result.verdict, `${scenario.name} was not caught under ${strategy}`).toBe('illegal');
      });
    }
  }
});
