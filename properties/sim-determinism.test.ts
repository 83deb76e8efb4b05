// Property, in the simulator: a seed's run is bit-exact. Each of 50 seeds (heavy faults, every
// strategy) runs twice and leaves the same trace.jsonl, byte for byte, with the runtime guard at
// zero. Seed: fixed in CI, random locally, FAULTLINE_SEED; FAULTLINE_SIM_RUNS for more seeds.
import { describe, expect, it } from 'vitest';
import { planFor } from '../lab/gen/index.js';
import { runSeeds } from '../lab/plan/index.js';
import type { Strategy } from '../lab/plan/index.js';
import { checkDeterminism, describeDifference, runSimPlan } from '../lab/run/index.js';
import { propertyConstraints, suiteSeed } from './_testing/support.js';
import { simSuiteRuns } from './_testing/sim.js';

const seed = suiteSeed();
const seedsCi = 50;
const strategies: readonly Strategy[] = ['lock-free', 'lock', 'unsafe'];

describe(`sim: every seed replays byte for byte (seed ${seed})`, () => {
  it(`${simSuiteRuns(seedsCi)} seeds, each run twice`, async () => {
    for (let index = 0; index < simSuiteRuns(seedsCi); index += 1) {
      const seeds = runSeeds(seed, index);
      const request = { plan: planFor(seeds.plan, '0', propertyConstraints), seeds, strategy: strategies[index % strategies.length] as Strategy };
      const first = await runSimPlan(request);
      expect(first.sim.guard.calls, `${first.result.runId}: ${first.sim.guard.first?.name} from ${first.sim.guard.first?.stack}`).toBe(0);
      const check = await checkDeterminism(request, first.trace);
      expect(check.same, `${first.result.runId}: ${describeDifference(check)}`).toBe(true);
    }
  }, 480_000);
});
