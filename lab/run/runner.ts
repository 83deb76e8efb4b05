// One run: a plan against a real cluster. Acquire a cluster, drive the workload and the faults in
// logical steps, heal, wait for quiescence, read every branch's Snapshot, judge, write artifacts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BranchState } from '../../models/history.js';
import type { HistoryEvent } from '../../models/history.js';
import type { Plan, Strategy } from '../gen/plan.js';
import { planHash } from '../gen/index.js';
import { isToxiproxyError } from '../proxy/adapter.js';
import { writeArtifacts } from './artifacts.js';
import { judge } from './checks.js';
import { quiesce } from './quiesce.js';
import type { CheckLimits, CheckResult, Judgement, Verdict } from './checks.js';
import type { ClusterPool } from './pool.js';
import type { NemesisEvent } from './recorder.js';
import { Recorder } from './recorder.js';
import { faultSettleMs, runWorkload } from './steps.js';
import type { WorkloadResult } from './steps.js';

export interface RunLimits extends CheckLimits {
  /** Deadline of every customer call. */
  deadlineMs: number;
  workloadMsMax: number;
  /** How long to wait, after healing, for the branches to agree and their outboxes to drain. */
  quiescenceMsMax: number;
}

export const defaultRunLimits: RunLimits = {
  deadlineMs: 600,
  workloadMsMax: 60_000,
  quiescenceMsMax: 5_000,
  checkerMsMax: 5_000,
  checkerCacheEntriesMax: 2_000_000,
};

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

export interface RunResult {
  runId: string;
  plan: Plan;
  strategy: Strategy;
  bug: string | undefined;
  verdict: Verdict;
  violations: string[];
  checks: CheckResult[];
  history: HistoryEvent[];
  nemesis: NemesisEvent[];
  finalStates: BranchState[];
  /** Per branch: counters from the nodes (retries, lock waits). */
  nodeStats: Record<string, unknown>[];
  stats: RunStats;
  latenciesNs: number[];
  artifactDir?: string;
}

export function runIdFor(plan: Plan, strategy: string): string {
  return `s${plan.seed}-p${plan.path.replaceAll(':', '.')}-${strategy}`;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

export interface RunRequest {
  plan: Plan;
  pool: ClusterPool;
  limits?: Partial<RunLimits>;
  /** Where artifacts/<run-id> goes; null writes nothing. */
  artifactsRoot: string | null;
  runId?: string;
}

interface Execution {
  states: BranchState[];
  quiesced: boolean;
  workload: WorkloadResult;
  judgement: Judgement;
}

async function execute(request: RunRequest, limits: RunLimits, runId: string, recorder: Recorder, marks: number[]): Promise<Execution> {
  const { plan, pool } = request;
  const lease = await pool.acquire(plan.workload.branches.length, plan.workload.accounts);
  lease.driver.beginRun(planHash(plan).slice(0, 12));
  marks.push(performance.now());
  const workload = await runWorkload(plan, (branch) => lease.cluster.client(branch), lease.driver, recorder, { ...limits, runId });
  // The last step's updates land before the heal, as at every fault boundary (steps.ts).
  if (plan.faultSchedule.length > 0) await sleep(faultSettleMs);
  await lease.driver.healAll();
  recorder.nemesisEvent({ type: 'stop', step: plan.workload.steps.length, fault: 'heal-all', description: 'heal all' });
  marks.push(performance.now());
  const { states, quiesced } = await quiesce(() => lease.cluster.snapshot(), limits.quiescenceMsMax);
  marks.push(performance.now());
  const judgement = judge(recorder.history, plan.workload.accounts, states, pool.strategy, limits);
  marks.push(performance.now());
  return { states, quiesced, workload, judgement };
}

/**
 * How many times a plan runs when the Toxiproxy server fails under it. The real server can hang when
 * a toxic is removed while its connections are blocked (Shopify/toxiproxy#558, open); its API then
 * answers 503 after its own timeout.
 */
export const proxyFailureAttemptsMax = 2;

/**
 * A failure of the lab itself (a proxy server that died, a node that would not restart) is no verdict
 * on the system: the run is `unknown`, the cluster is thrown away, and the session goes on.
 */
async function labFailure(request: RunRequest, error: unknown): Promise<Execution> {
  await request.pool.discard(request.plan.workload.branches.length);
  const summary = `the lab failed before a verdict: ${error instanceof Error ? error.message : String(error)}`;
  return {
    states: [],
    quiesced: false,
    workload: { latenciesNs: [], faultsApplied: 0, truncated: true },
    judgement: { verdict: 'unknown', checks: [{ kind: 'lab', verdict: 'unknown', summary }], violations: [] },
  };
}

export async function runPlan(request: RunRequest): Promise<RunResult> {
  const { plan, pool } = request;
  const limits = { ...defaultRunLimits, ...request.limits };
  const runId = request.runId ?? runIdFor(plan, pool.strategy);
  const started = performance.now();
  let recorder = new Recorder(plan.workload.clients);
  let marks = [started];
  let execution: Execution;
  for (let attempt = 1; ; attempt += 1) {
    try {
      execution = await execute(request, limits, runId, recorder, marks);
      break;
    } catch (error) {
      execution = await labFailure(request, error);
      // A Toxiproxy server that hung or died says nothing about the system: the plan runs again from
      // the start, on a fresh cluster and proxy server (labFailure discarded them).
      if (attempt >= proxyFailureAttemptsMax || !isToxiproxyError(error, 'server') && !isToxiproxyError(error, 'unreachable')) break;
      recorder = new Recorder(plan.workload.clients);
      marks = [performance.now()];
    }
  }
  while (marks.length < 5) marks.push(performance.now());
  const [, acquired, worked, quiescedAt, checked] = marks as [number, number, number, number, number];
  const { states, quiesced, workload, judgement } = execution;
  const latencies = [...workload.latenciesNs].sort((a, b) => a - b);
  const completions = recorder.history.filter((event) => event.type !== 'invoke');
  const result: RunResult = {
    runId,
    plan,
    strategy: pool.strategy,
    bug: pool.bug,
    verdict: judgement.verdict,
    violations: judgement.violations,
    checks: judgement.checks,
    history: recorder.history,
    nemesis: recorder.nemesis,
    finalStates: states,
    nodeStats: states.map((state) => ({ branch: state.branch, ...(state as BranchState & { stats?: object }).stats })),
    latenciesNs: workload.latenciesNs,
    stats: {
      ops: completions.length,
      ok: completions.filter((event) => event.type === 'ok').length,
      fail: completions.filter((event) => event.type === 'fail').length,
      info: completions.filter((event) => event.type === 'info').length,
      faultsApplied: workload.faultsApplied,
      latencyP50Ms: percentile(latencies, 0.5) / 1e6,
      latencyP90Ms: percentile(latencies, 0.9) / 1e6,
      latencyP99Ms: percentile(latencies, 0.99) / 1e6,
      durationMs: performance.now() - started,
      quiesced,
      truncated: workload.truncated,
      phasesMs: { acquire: acquired - started, workload: worked - acquired, quiesce: quiescedAt - worked, check: checked - quiescedAt },
    },
  };
  if (request.artifactsRoot !== null) {
    result.artifactDir = `${request.artifactsRoot}/${runId}`;
    writeArtifacts(result.artifactDir, result);
  }
  return result;
}
