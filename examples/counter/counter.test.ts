// The tutorial's counter end to end through the lab's runner: with no fault it converges; with n1 cut off
// from its peers while n2 adds, n1's read misses the add (linearizability) and never catches up (convergence).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runSeeds, runSystemPlan, writeSystemArtifacts } from 'faultline/lab';
import type { SystemPlan } from 'faultline/lab';
import { system } from './system.js';

const constraints = { nodes: 3, opsMax: 10, objectsMax: 1, clientsMax: 2, contention: 'low', faults: 'light' } as const;

function plan(cut: boolean): SystemPlan {
  return {
    version: 1, kind: 'system', system: './examples/counter/system.ts', workload: 'counter', seed: 0, path: '0', constraints, nodes: ['n1', 'n2', 'n3'], clients: 2,
    steps: [
      [{ client: 0, node: 'n1', retries: 0, f: 'add', input: { delta: 1 } }],
      [{ client: 1, node: 'n2', retries: 0, f: 'add', input: { delta: 2 } }],
      [{ client: 0, node: 'n1', retries: 0, f: 'read', input: {} }],
    ],
    faultSchedule: cut ? [{ atStep: 1, healAtStep: 3, fault: { kind: 'partition', mode: 'symmetric', from: ['n1'], to: ['n2', 'n3'], links: ['n2-n1', 'n3-n1', 'n1-n2', 'n1-n3'] } }] : [],
  };
}

// A short quiescence: the counter never repairs what it lost, so waiting longer changes nothing.
const limits = { quiescenceMsMax: 2_000 };

describe('the tutorial counter, seed 21', () => {
  it('converges with no fault: every node ends at 3', async () => {
    // Only convergence: even without a fault the counter is not linearizable, since a node answers an
    // add before its peers hear of it, and a read at a peer right after may miss it (on a loaded machine, it does).
    const result = await runSystemPlan({ system, plan: plan(false), seeds: runSeeds(21, 0), proxy: 'embedded' });
    expect(result.checks.find((check) => check.kind === 'convergence')?.verdict).toBe('ok');
    expect(result.finalStates.map((state) => state.state['value'])).toEqual([3, 3, 3]);
  });

  it('is caught when n1 misses n2\'s add: a stale read and nodes that never agree; replay reproduces it', async () => {
    const result = await runSystemPlan({ system, plan: plan(true), seeds: runSeeds(21, 1), proxy: 'embedded', limits });
    expect(result.violations).toEqual(['linearizability', 'convergence']);
    expect(result.finalStates.map((state) => state.state['value'])).toEqual([1, 3, 3]);
    const root = mkdtempSync(join(tmpdir(), 'faultline-counter-'));
    try {
      const directory = writeSystemArtifacts(root, result);
      expect(readFileSync(join(directory, 'report.html'), 'utf8')).toContain('read() → ok, value 1');
      const replay = await promisify(execFile)(process.execPath, ['bin/faultline.mjs', 'replay', directory], { timeout: 120_000 }).catch((error: { code: number; stdout: string }) => error);
      expect(replay.stdout).toMatch(/reproduced the violation \(linearizability, convergence\) in 1 of 1 replays/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
