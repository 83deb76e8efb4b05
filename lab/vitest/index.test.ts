// The vitest helper: a failing run fails its test with the failure's story and replay commands, and
// the suite seed honours FAULTLINE_SEED. (properties/lab-lock.test.ts runs labProperty for real.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handRun } from '../compare/_testing/runs.js';
import { causeFirst, expectOk, suiteRuns, suiteSeed, testTimeoutMs } from './index.js';

describe('faultline/vitest', () => {
  it('fails a run that is not ok with its story, its SEED= line and the command that reruns it', () => {
    const { result } = handRun({ index: 2, strategy: 'unsafe', verdict: 'illegal', violations: ['linearizability'], ops: [] });
    expect(() => expectOk(result)).toThrow(/VIOLATION linearizability[\s\S]*SEED=1 index=2[\s\S]*rerun: {2}npx faultline run --seed 1 --index 2/);
    expect(() => expectOk({ ...result, verdict: 'ok', violations: [] })).not.toThrow();
  });

  it("puts a failing run's cause above fast-check's counterexample, which alone would bury it", async () => {
    const cause = 'lab unknown: the lab failed before a verdict: branch b1 did not start';
    const failing = fc.asyncProperty(fc.array(fc.integer(), { minLength: 200, maxLength: 200 }), async () => {
      throw new Error(cause);
    });
    const plain = await fc.assert(failing, { seed: 5, numRuns: 1, endOnFailure: true }).catch((error: Error) => error.message);
    expect(plain).toMatch(/^Property failed by returning false|^Property failed after/);
    const message = await fc.assert(failing, { seed: 5, numRuns: 1, endOnFailure: true, plugins: [causeFirst()] }).catch((error: Error) => error.message);
    expect(message?.split('\n')[0]).toBe(cause);
    expect(message).toMatch(/Counterexample: \[\[/);
    await expect(fc.assert(fc.asyncProperty(fc.integer(), async () => true), { seed: 5, plugins: [causeFirst()] })).resolves.toBeUndefined();
  });

  it("gives each test a timeout from the run's limits, not vitest's 5 s, which one run on a busy machine outlasts", () => {
    expect(testTimeoutMs()).toBeGreaterThan(60_000);
    expect(testTimeoutMs({ workloadMsMax: 120_000 }) - testTimeoutMs()).toBe(60_000);
  });

  it('takes FAULTLINE_SEED and FAULTLINE_RUNS', () => {
    const saved = { seed: process.env.FAULTLINE_SEED, runs: process.env.FAULTLINE_RUNS };
    try {
      process.env.FAULTLINE_SEED = '-42';
      process.env.FAULTLINE_RUNS = '9';
      expect(suiteSeed()).toBe(-42);
      expect(suiteRuns(2)).toBe(9);
      process.env.FAULTLINE_SEED = 'x';
      expect(() => suiteSeed()).toThrow(/FAULTLINE_SEED must be an integer/);
    } finally {
      for (const [name, value] of [['FAULTLINE_SEED', saved.seed], ['FAULTLINE_RUNS', saved.runs]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
