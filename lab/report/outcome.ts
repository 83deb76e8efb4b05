// What one run produced, as plain data: the record every reader of a run's outcome takes (the artifact
// writer, the summary line, the failure story, compare). The runner (lab/run) fills it in.
import type { BranchState, CheckResult, Claims, ConsistencyReport, HistoryEvent, Verdict } from '../../models/index.js';
import type { NemesisEvent } from '../client/index.js';
import type { Bug, Plan, RunSeeds, Strategy } from '../plan/index.js';
import type { RecordedMessage } from './html/messages.js';

export interface RunStats {
  ops: number;
  ok: number;
  fail: number;
  info: number;
  faultsApplied: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  durationMs: number;
  quiesced: boolean;
  truncated: boolean;
  /** Where the run's time went: cluster acquire (start or reset), workload, quiescence, checking. */
  phasesMs: { acquire: number; workload: number; quiesce: number; check: number };
}

/** What the run's randomness drew: every node's streams, and the embedded proxy's decision log. */
export interface RunRandomness {
  nodes: Record<string, { seed: string; draws: number; digest: string }>;
  /** null where the proxy backend is not seeded (the real toxiproxy-server). */
  proxy: { decisions: number; digest: string } | null;
}

export interface RunResult {
  runId: string;
  seeds: RunSeeds;
  plan: Plan;
  strategy: Strategy;
  bug: Bug | undefined;
  /** What the strategy declared; the judge checked these. */
  claims: Claims;
  verdict: Verdict;
  violations: string[];
  checks: CheckResult[];
  /** The rung of consistency the history reached and its staleness; absent when the lab failed first. */
  consistency?: ConsistencyReport | undefined;
  history: HistoryEvent[];
  nemesis: NemesisEvent[];
  finalStates: BranchState[];
  /** Another system's final states, each node's own JSON (the report shows them where a bank run shows balances). */
  nodeStates?: { node: string; state: Record<string, unknown> }[];
  /** Per branch: counters from the nodes (retries, lock waits). */
  nodeStats: Record<string, unknown>[];
  stats: RunStats;
  randomness: RunRandomness;
  latenciesNs: number[];
  artifactDir?: string;
  /** 'sim' for a run in the simulator; a real run leaves it out. replay and the rerun command keep it. */
  mode?: 'sim';
  /** Messages between the nodes, where the run recorded them (messages.jsonl: simulated runs do). */
  messages?: RecordedMessage[];
}

/** A run's readable name: its seeds, path and strategy. Artifact directories start with it. */
export function runIdFor(seeds: RunSeeds, path: string, strategy: string): string {
  return `s${seeds.root}-k${seeds.index}-p${path.replaceAll(':', '.')}-${strategy}`;
}

/** The value at `fraction` (0 to 1) of an ascending list; 0 for an empty one. The one percentile of the lab. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}
