// etcd through the generic runner, on fixed seeds: a short generated register run passes, a plan that
// cuts n1 off from the majority catches the stale serializable read (the same plan with linearizable
// reads passes): the two variants of `compare --system etcd`; and a generated heavy-fault plan catches
// it too, because the register workloads place reads on a partition's minority and writes on its majority.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFaultline } from '../cluster/index.js';
import { systemPlanFor } from '../gen/index.js';
import { runSeeds } from '../plan/index.js';
import type { SystemPlan } from '../plan/index.js';
import { etcdSystem, findEtcdBinary, minoritySplit } from '../systems/etcd/index.js';
import { runSystemPlan } from './system-run.js';

const skip = findEtcdBinary() === undefined;
const note = skip ? ' (skipped: no etcd; npm run setup:etcd installs one)' : '';
const constraints = { nodes: 3, opsMax: 12, objectsMax: 2, clientsMax: 3, contention: 'low', faults: 'light' } as const;

/**
 * scenarios/etcd/minority-serializable-read: n1 writes 1; n1 is cut from n2 and n3 (clients still reach
 * it); n2 and n3 write 2 and 3; n1 reads. The same plan with either read variant.
 */
function minorityReadPlan(workload: 'register' | 'serializable-reads'): SystemPlan {
  const plan = JSON.parse(readFileSync(join(import.meta.dirname, '../../scenarios/etcd/minority-serializable-read/plan.json'), 'utf8')) as SystemPlan;
  const steps = plan.steps.map((ops) => ops.map((op) => (op.f === 'read' ? { ...op, input: { ...op.input, serializable: workload === 'serializable-reads' } } : op)));
  return { ...plan, workload, steps };
}

// An election after the cut takes a second or two; the write waits for it instead of ending info.
const limits = { deadlineMs: 6_000 };

/** Steps at which a write or cas goes to a partition's majority and a later read of the key, still inside it, to its minority. */
function readsAfterWriteAcrossSplit(plan: SystemPlan): number {
  let found = 0;
  for (const entry of plan.faultSchedule) {
    const inside = (step: number): boolean => entry.atStep <= step && step < entry.healAtStep;
    const splitAt = (step: number) => minoritySplit({ nodes: plan.nodes, faults: plan.faultSchedule.filter((other) => other.atStep <= step && step < other.healAtStep).map((other) => other.fault) });
    for (const [step, ops] of plan.steps.entries()) {
      const split = inside(step) ? splitAt(step) : undefined;
      const writes = ops.filter((op) => op.f !== 'read' && split?.majority.includes(op.node));
      const later = plan.steps.slice(step + 1, entry.healAtStep).flat();
      if (writes.some((write) => later.some((op) => op.f === 'read' && op.input['key'] === write.input['key'] && split?.minority.includes(op.node)))) found += 1;
    }
  }
  return found;
}

describe('generated serializable-reads plans, root seed 1515 (no etcd needed)', () => {
  it('read at a partition\'s minority after a write at its majority in several of 30 heavy-fault plans', () => {
    const heavy = { nodes: 5, opsMax: 60, objectsMax: 1, clientsMax: 5, contention: 'low', faults: 'heavy' } as const;
    const plans = Array.from({ length: 30 }, (_, index) => systemPlanFor(runSeeds(1515, index).plan, '0', { system: etcdSystem, systemName: 'etcd', workload: 'serializable-reads', constraints: heavy }));
    // Before placement (ops at their client's home node, no read-after-write pairs) it was 0 of these 30.
    expect(plans.filter((plan) => readsAfterWriteAcrossSplit(plan) > 0).length).toBeGreaterThanOrEqual(5);
    // Every heavy plan has a fault.
    expect(plans.every((plan) => plan.faultSchedule.length > 0)).toBe(true);
  });
});

describe.skipIf(skip)(`etcd through the runner, seed 15${note}`, () => {
  it('a short generated register run (light faults) is linearizable and converges', async () => {
    const seeds = runSeeds(15, 0);
    const plan = systemPlanFor(seeds.plan, '0', { system: etcdSystem, systemName: 'etcd', workload: 'register', constraints });
    const result = await runSystemPlan({ system: etcdSystem, plan, seeds, proxy: 'embedded', limits });
    expect(result.stats.ops).toBeGreaterThan(0);
    expect(result.checks.map((check) => `${check.kind}=${check.verdict}`)).toEqual(['linearizability=ok', 'convergence=ok']);
  });

  it('a serializable read at the cut-off member is stale: linearizability illegal; a linearizable read is not', async () => {
    const seeds = runSeeds(15, 1);
    const stale = await runSystemPlan({ system: etcdSystem, plan: minorityReadPlan('serializable-reads'), seeds, proxy: 'embedded', limits });
    const read = stale.history.find((event) => event.f === 'read' && event.type === 'ok');
    expect(read?.value).toMatchObject({ value: 1 });
    expect(stale.violations).toEqual(['linearizability']);
    const linear = await runSystemPlan({ system: etcdSystem, plan: minorityReadPlan('register'), seeds, proxy: 'embedded', limits });
    expect(linear.verdict).toBe('ok');
    // The linearizable read cannot be served by the minority: it times out (fail, a read changes nothing) instead.
    expect(linear.history.filter((event) => event.f === 'read' && event.type !== 'invoke').map((event) => event.type)).not.toContain('ok');
  });

  it('a generated heavy-fault serializable-reads plan (index 15) is caught: a read at the cut-off member misses the majority\'s writes', async () => {
    const seeds = runSeeds(15, 15);
    const heavy = { nodes: 3, opsMax: 12, objectsMax: 1, clientsMax: 3, contention: 'low', faults: 'heavy' } as const;
    const plan = systemPlanFor(seeds.plan, '0', { system: etcdSystem, systemName: 'etcd', workload: 'serializable-reads', constraints: heavy });
    expect(readsAfterWriteAcrossSplit(plan)).toBeGreaterThan(0);
    const result = await runSystemPlan({ system: etcdSystem, plan, seeds, proxy: 'embedded' });
    expect(result.violations).toEqual(['linearizability']);
  });

  it('compare pairs the two read variants on the same seed: one table, compare.json and compare.html', async () => {
    const out = mkdtempSync(join(tmpdir(), 'faultline-compare-etcd-'));
    try {
      const args = ['compare', '--system', 'etcd', '--workloads', 'register,serializable-reads', '--seeds', '1', '--seed', '15', '--faults', 'none', '--ops', '6', '--out', out];
      const result = await runFaultline(args, { timeoutMs: 120_000 });
      expect(result.stdout).toMatch(/register vs serializable-reads on 1 seeds from root 15/);
      const document = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as {
        summaries: { strategy: string; runs: number; verdicts: { ok: number; illegal: number; unknown: number } }[]; grid: { cells: { command: string }[] }[];
      };
      expect(document.summaries.map((summary) => [summary.strategy, summary.runs])).toEqual([['register', 1], ['serializable-reads', 1]]);
      // Linearizable reads pass; a serializable read right after a write at another member may be
      // stale even without faults (the workload places write-then-read pairs), and then compare
      // exits 1 for that column alone.
      expect(document.summaries[0]?.verdicts.ok).toBe(1);
      expect(result.code).toBe(document.summaries[1]?.verdicts.illegal === 1 ? 1 : 0);
      expect(document.grid[0]?.cells[1]?.command).toMatch(/^npx faultline run --system etcd --workload serializable-reads --seed 15 --index 0 --path 0 /);
      expect(existsSync(join(out, 'compare.html'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
