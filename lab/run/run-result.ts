// What every run ends with, real or simulated: the limits it ran under, what its execution produced,
// and the one place a RunResult is put together from them.
import type { BranchState, Judgement } from '../../models/index.js';
import type { Recorder } from '../client/index.js';
import { strategyDeclaration } from '../plan/index.js';
import type { Bug, Plan, RunSeeds, Strategy } from '../plan/index.js';
import { percentile } from '../report/index.js';
import type { RunRandomness, RunResult } from '../report/index.js';
import type { WorkloadResult } from './steps.js';

export interface RunLimits {
  /** Deadline of every customer call. */
  deadlineMs: number;
  workloadMsMax: number;
  /** How long to wait, after healing, for the branches to agree and their outboxes to drain. */
  quiescenceMsMax: number;
  checkerMsMax: number;
  checkerCacheEntriesMax: number;
}

export const defaultRunLimits: RunLimits = {
  deadlineMs: 600,
  workloadMsMax: 60_000,
  quiescenceMsMax: 5_000,
  checkerMsMax: 5_000,
  checkerCacheEntriesMax: 2_000_000,
};

export interface Execution {
  states: BranchState[];
  randomness: RunRandomness;
  quiesced: boolean;
  workload: WorkloadResult;
  judgement: Judgement;
}

/** What a run is, before it ran: the same in both modes. */
export interface RunIdentity {
  runId: string;
  seeds: RunSeeds;
  plan: Plan;
  strategy: Strategy;
  bug: Bug | undefined;
}

/** How many ops a history completed, and how: ok, fail (definitely not done) or info (unknown). */
export function completionCounts(history: Recorder['history']): { ops: number; ok: number; fail: number; info: number } {
  const completions = history.filter((event) => event.type !== 'invoke');
  const count = (type: string): number => completions.filter((event) => event.type === type).length;
  return { ops: completions.length, ok: count('ok'), fail: count('fail'), info: count('info') };
}

/** The RunResult of an execution, in either mode: the one place its fields are put together. */
export function runResultOf(
  identity: RunIdentity, execution: Execution, recorder: Recorder, durationMs: number, phasesMs: RunResult['stats']['phasesMs'],
): RunResult {
  const { states, quiesced, workload, judgement, randomness } = execution;
  const latencies = [...workload.latenciesNs].sort((a, b) => a - b);
  return {
    ...identity,
    claims: strategyDeclaration(identity.strategy).claims,
    verdict: judgement.verdict,
    violations: judgement.violations,
    checks: judgement.checks,
    consistency: judgement.consistency,
    history: recorder.history,
    nemesis: recorder.nemesis,
    finalStates: states,
    nodeStats: states.map((state) => ({ branch: state.branch, ...(state as BranchState & { stats?: object }).stats })),
    latenciesNs: workload.latenciesNs,
    randomness,
    stats: {
      ...completionCounts(recorder.history),
      faultsApplied: workload.faultsApplied,
      latencyP50Ms: percentile(latencies, 0.5) / 1e6,
      latencyP90Ms: percentile(latencies, 0.9) / 1e6,
      latencyP99Ms: percentile(latencies, 0.99) / 1e6,
      durationMs,
      quiesced,
      truncated: workload.truncated,
      phasesMs,
    },
  };
}
