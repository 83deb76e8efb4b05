// faultline inside a vitest suite (package export "faultline/vitest"), in the spirit of
// @fast-check/vitest: `labProperty` registers one test per seeded run, with the run's SEED= line in its
// title, honours FAULTLINE_SEED and FAULTLINE_RUNS, and fails with the failure's story and its replay
// commands. Try: `labProperty('lock keeps every deposit', { strategy: 'lock', runs: 3 })` in a test file.
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { planFor } from '../gen/index.js';
import { defaultPlanConstraints, runSeeds, seedLine } from '../plan/index.js';
import type { Bug, PlanConstraints, Strategy } from '../plan/index.js';
import type { ProxyBackendChoice } from '../proxy/index.js';
import { failureStory } from '../report/index.js';
import type { RunResult } from '../report/index.js';
import { ClusterPool, defaultRunLimits, trial } from '../run/index.js';
import type { RunLimits } from '../run/index.js';

/** The suite seed in CI, where every run must be the same as the last. */
export const ciSeed = 20261121;

/** The suite's root seed: FAULTLINE_SEED when set, fixed in CI, random locally; the test titles print it. */
export function suiteSeed(): number {
  const override = process.env.FAULTLINE_SEED;
  if (override !== undefined && override !== '') {
    const seed = Number(override);
    if (!Number.isSafeInteger(seed)) throw new Error(`FAULTLINE_SEED must be an integer, got '${override}'`);
    return seed;
  }
  return process.env.CI === 'true' ? ciSeed : randomInt(0, 2 ** 31 - 1);
}

/** How many runs a property makes: `runs` (few, for CI's time), or FAULTLINE_RUNS to explore more. */
export function suiteRuns(runs: number): number {
  const override = Number(process.env.FAULTLINE_RUNS ?? '');
  return Number.isInteger(override) && override > 0 ? override : runs;
}

export interface LabPropertyConstraints {
  strategy: Strategy;
  bug?: Bug;
  /** How many seeded runs (FAULTLINE_RUNS overrides). */
  runs: number;
  constraints?: Partial<PlanConstraints>;
  limits?: Partial<RunLimits>;
  proxy?: ProxyBackendChoice;
  /** Where failures keep their artifacts (default artifacts/properties). */
  artifactsRoot?: string;
  /** The run's own root seed (default suiteSeed()). */
  seed?: number;
  /** Each test's timeout (default: a cluster's start plus the run's limits, see testTimeoutMs). */
  timeoutMs?: number;
}

/** What a cluster may take to start before the first run, as startCluster allows by default. */
const clusterStartMsMax = 20_000;
/** Artifacts, the heal and the pool's reset, on a busy machine. */
const runOverheadMsMax = 10_000;

/**
 * A test's timeout: the longest a run may take by its limits, and a cluster's start. vitest's default
 * (5 s) is shorter than one run on a busy machine, and a timeout would hide the run's own verdict.
 */
export function testTimeoutMs(limits: Partial<RunLimits> = {}): number {
  const { workloadMsMax, quiescenceMsMax, checkerMsMax } = { ...defaultRunLimits, ...limits };
  return clusterStartMsMax + workloadMsMax + quiescenceMsMax + checkerMsMax + runOverheadMsMax;
}

/** Runs k of the root seed, one test each; a run passes when `check` does (default: its verdict is ok). */
export function labProperty(title: string, options: LabPropertyConstraints, check: (result: RunResult) => void = expectOk): void {
  const root = options.seed ?? suiteSeed();
  const constraints = { ...defaultPlanConstraints, ...options.constraints };
  const pool = new ClusterPool({ strategy: options.strategy, bug: options.bug, proxy: options.proxy ?? 'embedded', reuse: true });
  describe(`${title} (seed ${root})`, () => {
    afterAll(() => pool.close());
    for (let index = 0; index < suiteRuns(options.runs); index += 1) {
      const seeds = runSeeds(root, index);
      it(seedLine(seeds), async () => {
        const plan = planFor(seeds.plan, '0', constraints);
        const { result } = await trial(plan, seeds, { pool, limits: options.limits ?? {}, artifactsRoot: options.artifactsRoot ?? 'artifacts/properties', shrink: false });
        check(result);
      }, options.timeoutMs ?? testTimeoutMs(options.limits));
    }
  });
}

/** The default check: every claimed check passed; otherwise the failure's story, with its replay commands. */
export function expectOk(result: RunResult): void {
  expect(result.verdict, failureStory(result)).toBe('ok');
}

/**
 * A fast-check plugin for lab properties (`test.prop(arbs, { plugins: [causeFirst()] })`): a failure's
 * message starts with what the failing run said (a lab failure's cause, the failed checks and the
 * replay commands), and fast-check's counterexample, seed and path follow it, where a plan hundreds of
 * lines long would otherwise hide the cause below it.
 */
export function causeFirst<Ts>(): fc.Plugin<Ts> {
  return () => ({
    onAllRunsComplete(details) {
      if (!details.failed) return;
      const failure = details.errorInstance;
      const cause = failure instanceof Error ? failure.message : String(failure);
      throw new Error(`${cause}\n\n${fc.defaultReportMessage(details) ?? ''}`, { cause: failure });
    },
  });
}
