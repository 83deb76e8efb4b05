// Test data for the compare unit tests: RunResults built by hand from a few ops and faults on a real
// plan, so statistics, tables and the page can be checked without a cluster. Not used by the CLI.
import { planFor } from '../../gen/index.js';
import { defaultPlanConstraints } from '../../plan/index.js';
import type { Fault, Strategy } from '../../plan/index.js';
import type { HistoryEvent } from '../../../models/index.js';
import type { NemesisEvent } from '../../client/index.js';
import type { RunResult } from '../../report/index.js';
import { runSeeds, claimsOf } from '../../plan/index.js';
import type { PairedRun } from '../document.js';

export interface HandOp {
  type: 'ok' | 'fail' | 'info';
  startMs: number;
  endMs: number;
}

export interface HandFault {
  fault: Fault;
  startMs: number;
  /** When its stop event comes; undefined: only the final heal-all closes it. */
  endMs?: number;
}

export interface HandRun {
  index: number;
  strategy: Strategy;
  root?: number;
  verdict?: RunResult['verdict'];
  violations?: string[];
  ops: HandOp[];
  faults?: HandFault[];
  nodeStats?: Record<string, unknown>[];
}

export const handConstraints = { ...defaultPlanConstraints, opsMax: 8 };

export const partitionFault: Fault = { kind: 'partition', mode: 'isolate', from: ['b1'], to: ['b2'], links: ['b1-b2'] };
export const latencyFault: Fault = { kind: 'toxic', toxic: { kind: 'latency', latencyMs: 50, jitterMs: 10 }, stream: 'downstream', links: ['client-b1'] };

const nanosecondsPerMs = 1e6;

function history(ops: readonly HandOp[]): HistoryEvent[] {
  const events = ops.flatMap((op, process) => [
    { process, type: 'invoke' as const, time: op.startMs },
    { process, type: op.type, time: op.endMs },
  ]);
  events.sort((a, b) => a.time - b.time);
  return events.map((event, index) => ({
    index,
    process: event.process,
    type: event.type,
    f: 'deposit',
    value: { account: 'a1', amount: 1 },
    time: Math.round(event.time * nanosecondsPerMs),
  }));
}

function nemesis(faults: readonly HandFault[], healAllMs: number): NemesisEvent[] {
  const events: Omit<NemesisEvent, 'index'>[] = [];
  for (const item of faults) {
    events.push({ type: 'start', step: 0, fault: item.fault, description: item.fault.kind, time: item.startMs * nanosecondsPerMs });
    if (item.endMs !== undefined) events.push({ type: 'stop', step: 1, fault: item.fault, description: item.fault.kind, time: item.endMs * nanosecondsPerMs });
  }
  events.push({ type: 'stop', step: 2, fault: 'heal-all', description: 'heal all', time: healAllMs * nanosecondsPerMs });
  events.sort((a, b) => a.time - b.time);
  return events.map((event, index) => ({ ...event, index }));
}

export function handRun(spec: HandRun): PairedRun {
  const seeds = runSeeds(spec.root ?? 1, spec.index);
  const plan = planFor(seeds.plan, '0', handConstraints);
  const lastMs = Math.max(0, ...spec.ops.map((op) => op.endMs));
  const latenciesNs = spec.ops.filter((op) => op.type === 'ok').map((op) => (op.endMs - op.startMs) * nanosecondsPerMs);
  const count = (type: HandOp['type']): number => spec.ops.filter((op) => op.type === type).length;
  const result: RunResult = {
    runId: `hand-k${spec.index}-${spec.strategy}`,
    seeds,
    plan,
    strategy: spec.strategy,
    bug: undefined,
    claims: claimsOf(spec.strategy),
    verdict: spec.verdict ?? 'ok',
    violations: spec.violations ?? [],
    checks: [],
    history: history(spec.ops),
    nemesis: nemesis(spec.faults ?? [], Math.max(lastMs, ...(spec.faults ?? []).map((item) => item.endMs ?? 0)) + 10),
    finalStates: [],
    nodeStats: spec.nodeStats ?? [],
    stats: {
      ops: spec.ops.length,
      ok: count('ok'),
      fail: count('fail'),
      info: count('info'),
      faultsApplied: spec.faults?.length ?? 0,
      latencyP50Ms: 0,
      latencyP90Ms: 0,
      latencyP99Ms: 0,
      durationMs: lastMs,
      quiesced: true,
      truncated: false,
      phasesMs: { acquire: 0, workload: lastMs, quiesce: 0, check: 0 },
    },
    latenciesNs,
    randomness: { nodes: {}, proxy: null },
  };
  return { index: spec.index, result };
}

/** `count` ok ops back to back from `startMs`, each `latencyMs` long. */
export function steadyOps(count: number, latencyMs: number, startMs = 0): HandOp[] {
  return Array.from({ length: count }, (_, position) => ({ type: 'ok' as const, startMs: startMs + position * latencyMs, endMs: startMs + (position + 1) * latencyMs }));
}

/**
 * A session of `seeds` seeds under lock, lock-free and unsafe, with the shape the lab expects: lock-free
 * faster and retrying, lock slower and waiting (blocked through the partition), unsafe losing updates on
 * odd seeds.
 */
export function handSession(seeds: number, root = 1): PairedRun[] {
  const runs: PairedRun[] = [];
  for (let index = 0; index < seeds; index += 1) {
    const faults = [{ fault: partitionFault, startMs: 100, endMs: 300 }, { fault: latencyFault, startMs: 350 }];
    runs.push(
      handRun({
        index, strategy: 'lock', root, faults,
        ops: [...steadyOps(20, 12 + (index % 3)), { type: 'info', startMs: 90, endMs: 690 }],
        nodeStats: [{ lockWaits: 4 + index, lockWaitMs: 30, leaseExpiries: 1 }],
      }),
      handRun({
        index, strategy: 'lock-free', root, faults,
        ops: [...steadyOps(20, 8 + (index % 2)), { type: 'fail', startMs: 150, endMs: 160 }],
        nodeStats: [{ conflictRetries: 6 + index }],
      }),
      handRun({
        index, strategy: 'unsafe', root, faults,
        ops: steadyOps(20, 7),
        ...(index % 2 === 1 ? { verdict: 'illegal' as const, violations: ['linearizability', 'conservation'] } : {}),
      }),
    );
  }
  return runs;
}
