// One seed from flag to verdict: a run's randomness depends on its seeds alone. Run 4 of an explore on
// a reused cluster, replayed alone on a fresh one, draws what it drew in the explore (every node's PRNG
// streams and the embedded proxy's decisions), and a plan run fifth on a reused cluster makes the same
// proxy decisions as on a fresh cluster. Run: `npx vitest run properties/seed-replay.test.ts`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runSeeds } from '../lab/plan/index.js';
import type { FaultStep, Plan, PlanOp } from '../lab/plan/index.js';
import { defaultPlanConstraints } from '../lab/plan/index.js';
import type { RunRandomness } from '../lab/report/index.js';
import { ClusterPool, runOnce } from '../lab/run/index.js';
import { propertyLimits } from './_testing/support.js';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'faultline-seed-replay-'));
const exploreRoot = 77;

async function faultline(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin', 'faultline.mjs'), ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

describe('a run replays with the randomness it had', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('run 4 of explore --runs 6 on a reused cluster, replayed alone, draws the same', async () => {
    const artifacts = join(scratch, 'explore');
    const shape = ['--strategy', 'lock-free', '--branches', '3', '--ops', '10', '--clients', '1', '--faults', 'none', '--proxy', 'embedded'];
    const explored = await faultline(['explore', '--runs', '6', '--seed', String(exploreRoot), ...shape, '--keep-passing', '--no-shrink', '--artifacts', artifacts, '--json']);
    expect(explored.code, explored.stdout).toBe(0);
    const directories = readdirSync(artifacts).filter((name) => name.startsWith(`s${exploreRoot}-k4-`));
    expect(directories).toHaveLength(1);
    const directory = join(artifacts, directories[0] as string);
    const recorded = JSON.parse(readFileSync(join(directory, 'verdict.json'), 'utf8')) as { seeds: unknown; randomness: RunRandomness };
    expect(recorded.seeds).toEqual(runSeeds(exploreRoot, 4));
    expect(Object.keys(recorded.randomness.nodes).sort()).toEqual(['b1', 'b2', 'b3']);
    for (const node of Object.values(recorded.randomness.nodes)) expect(node.seed).toBe(String(runSeeds(exploreRoot, 4).nodes));

    const replayed = await faultline(['replay', directory, '--proxy', 'embedded', '--json']);
    expect(replayed.code, replayed.stdout).toBe(0);
    const summary = JSON.parse(replayed.stdout.trim().split('\n').at(-1) ?? '{}') as { randomness: RunRandomness[] };
    expect(summary.randomness[0]).toEqual(recorded.randomness);
  });

  it('two runs of the same seed leave two artifact directories, and latest names the second', async () => {
    const artifacts = join(scratch, 'twice');
    const args = ['run', '--seed', '5', '--ops', '4', '--branches', '2', '--faults', 'none', '--proxy', 'embedded', '--no-shrink', '--artifacts', artifacts];
    expect((await faultline(args)).code).toBe(0);
    expect((await faultline(args)).code).toBe(0);
    const directories = readdirSync(artifacts).filter((name) => name !== 'latest').sort();
    expect(directories).toEqual(['s5-k0-p0-lock-free', 's5-k0-p0-lock-free-2']);
    expect(readlinkSync(join(artifacts, 'latest'))).toBe('s5-k0-p0-lock-free-2');
  });

  it('a plan makes the same proxy decisions and node draws fifth on a reused cluster as first on a fresh one', async () => {
    const deposit = (step: number, branch: string): PlanOp => ({ f: 'deposit', client: 0, branch, retries: 0, account: 'a1', amount: 5, requestId: `s${step}` });
    // Toxicity rolls are drawn once per connection, so they repeat exactly; jitter would draw per TCP chunk.
    const coin: FaultStep = {
      atStep: 1, healAtStep: 5,
      fault: { kind: 'toxic', toxic: { kind: 'latency', latencyMs: 5, jitterMs: 0 }, stream: 'downstream', links: ['client-b1', 'client-b2', 'b1-b2', 'b2-b1', 'b1-b3'], toxicity: 0.5 },
    };
    const plan: Plan = {
      version: 1, seed: 5, path: '0', constraints: { ...defaultPlanConstraints, faults: 'light' },
      workload: { branches: ['b1', 'b2', 'b3'], accounts: [{ account: 'a1', balance: 50 }], clients: 1, steps: [0, 1, 2, 3, 4, 5].map((step) => [deposit(step, step % 2 === 0 ? 'b1' : 'b2')]) },
      faultSchedule: [coin],
    };
    const seeds = runSeeds(9, 3);
    const options = (pool: ClusterPool) => ({ pool, limits: propertyLimits, artifactsRoot: null, shrink: false });
    const fresh = new ClusterPool({ strategy: 'lock-free', proxy: 'embedded', reuse: true });
    const reused = new ClusterPool({ strategy: 'lock-free', proxy: 'embedded', reuse: true });
    try {
      const first = await runOnce(plan, seeds, options(fresh));
      for (let other = 0; other < 4; other += 1) await runOnce({ ...plan, faultSchedule: [{ ...coin, fault: { ...coin.fault, toxicity: 0.3 } as FaultStep['fault'] }] }, runSeeds(10 + other, other), options(reused));
      const fifth = await runOnce(plan, seeds, options(reused));
      expect(first.verdict).toBe('ok');
      expect(first.randomness.proxy?.decisions ?? 0).toBeGreaterThan(0);
      expect(fifth.randomness).toEqual(first.randomness);
    } finally {
      await Promise.allSettled([fresh.close(), reused.close()]);
    }
  });
});
