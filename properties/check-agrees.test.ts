// `faultline check artifacts/<run>/history.jsonl` re-judges a run offline and must reach the run's own
// verdict: a caught unsafe run exits 1, a passing lock run exits 0.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Strategy } from '../lab/plan/index.js';
import { loadScenarios, scenarioSeeds, trial } from '../lab/run/index.js';
import { propertyLimits, suitePool } from './_testing/support.js';

const root = resolve(import.meta.dirname, '..');
const artifactsRoot = mkdtempSync(join(tmpdir(), 'faultline-check-agrees-'));
const scenario = loadScenarios().find((each) => each.name === 'concurrent-deposits-lost-update');
const pools = { unsafe: suitePool('unsafe'), lock: suitePool('lock') };

async function checkExit(historyFile: string): Promise<number> {
  try {
    await promisify(execFile)(process.execPath, [join(root, 'bin', 'faultline.mjs'), 'check', historyFile], { cwd: root });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe('faultline check agrees with the run', () => {
  afterAll(async () => {
    await pools.unsafe.close();
    await pools.lock.close();
    rmSync(artifactsRoot, { recursive: true, force: true });
  });

  for (const strategy of ['unsafe', 'lock'] as Strategy[]) {
    it(`on a ${strategy} run`, async () => {
      if (scenario === undefined) throw new Error('scenario concurrent-deposits-lost-update is missing');
      const pool = strategy === 'unsafe' ? pools.unsafe : pools.lock;
      const { result } = await trial(scenario.plan, scenarioSeeds(scenario), { pool, limits: propertyLimits, artifactsRoot, shrink: false, keepPassing: true });
      const expected = result.verdict === 'ok' ? 0 : result.verdict === 'illegal' ? 1 : 2;
      expect(await checkExit(join(result.artifactDir ?? '', 'history.jsonl'))).toBe(expected);
      expect(expected).toBe(strategy === 'unsafe' ? 1 : 0);
    });
  }
});
