// One run of a system other than the bank, in real mode: a fresh cluster of the system's nodes behind
// the proxies, its ops in logical steps with the faults at the step boundaries (the bank's steps and
// Nemesis), a heal-all, the final states once the nodes agree (bounded), and the workload's judge:
// linearizability under its model, convergence, and its own checks. Writes nothing; the session keeps.
import { checkLinearizable, combineVerdicts } from '../../models/index.js';
import type { Verdict } from '../../models/index.js';
import { Recorder } from '../client/index.js';
import { isSystemStartError, realClock, startSystemCluster } from '../cluster/index.js';
import type { SystemCluster } from '../cluster/index.js';
import { systemLinks } from '../gen/index.js';
import { NemesisFaultDriver } from '../nemesis/index.js';
import { systemPlanHash, systemPlanProblems } from '../plan/index.js';
import type { RunSeeds, SystemPlan } from '../plan/index.js';
import { startProxyBackend } from '../proxy/index.js';
import type { ProxyBackendChoice } from '../proxy/index.js';
import { percentile, systemRunId } from '../report/index.js';
import type { SystemCheck, SystemRunResult } from '../report/index.js';
import type { NodeState, System, SystemClient, SystemWorkload } from '../systems/index.js';
import { completionCounts } from './run-result.js';
import { faultBoundary, faultSettleMs } from './steps.js';

export interface SystemRunLimits {
  /** Deadline of every op, unless the system declares its own (System.opDeadlineMs). */
  deadlineMs: number;
  workloadMsMax: number;
  /** After the heal, how long the lab waits for the nodes to agree before it reads them as they are. */
  quiescenceMsMax: number;
  checkerMsMax: number;
  checkerCacheEntriesMax: number;
  nodeReadyMs: number;
}

export const defaultSystemRunLimits: SystemRunLimits = {
  deadlineMs: 2_000,
  workloadMsMax: 120_000,
  quiescenceMsMax: 10_000,
  checkerMsMax: 10_000,
  checkerCacheEntriesMax: 2_000_000,
  nodeReadyMs: 20_000,
};

export interface SystemRunRequest {
  system: System;
  plan: SystemPlan;
  seeds: RunSeeds;
  proxy: ProxyBackendChoice;
  limits?: Partial<SystemRunLimits>;
  /** Told every node pid the run starts (tests prove none outlives it). */
  onSpawn?: (pid: number) => void;
}

/** A plan whose op the client cannot encode, or that names what the cluster lacks: bad input, not a verdict. */
export class SystemPlanError extends Error {
  readonly code = 'system-plan' as const;
}

export function isSystemPlanError(error: unknown): error is SystemPlanError {
  return error instanceof SystemPlanError;
}

function workloadOf(request: SystemRunRequest): SystemWorkload {
  const workload = request.system.workloads[request.plan.workload];
  if (workload === undefined) throw new SystemPlanError(`${request.plan.system} has no workload '${request.plan.workload}' (it has ${Object.keys(request.system.workloads).join(', ')})`);
  return workload;
}

interface Performed {
  latenciesNs: number[];
  faultsApplied: number;
  truncated: boolean;
}

async function performSteps(request: SystemRunRequest, cluster: SystemCluster, client: SystemClient, driver: NemesisFaultDriver, recorder: Recorder, limits: SystemRunLimits): Promise<Performed> {
  const { plan } = request;
  const performed: Performed = { latenciesNs: [], faultsApplied: 0, truncated: false };
  const started = performance.now();
  for (const [step, ops] of plan.steps.entries()) {
    if (performance.now() - started > limits.workloadMsMax) {
      performed.truncated = true;
      break;
    }
    performed.faultsApplied += await faultBoundary(step, plan.faultSchedule, driver, recorder, realClock);
    await Promise.all(
      ops.map(async (op) => {
        const invoked = process.hrtime.bigint();
        recorder.invoke(op.client, op.f, op.input);
        const outcome = await client.perform(op, cluster.clientAddress(op.node), limits.deadlineMs);
        recorder.complete(op.client, outcome.type, op.f, outcome.value, outcome.error);
        if (outcome.type === 'ok') performed.latenciesNs.push(Number(process.hrtime.bigint() - invoked));
      }),
    );
  }
  return performed;
}

/** The final states once the system says its nodes agree, or as they are when the wait runs out. */
async function settledStates(system: System, cluster: SystemCluster, limits: SystemRunLimits): Promise<{ states: NodeState[]; quiesced: boolean }> {
  const deadline = performance.now() + limits.quiescenceMsMax;
  let states = await system.finalStates(cluster.directAddresses(), limits.deadlineMs);
  while (system.converged(states) !== 'ok' && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    states = await system.finalStates(cluster.directAddresses(), limits.deadlineMs);
  }
  return { states, quiesced: system.converged(states) === 'ok' };
}

/** The workload's judge: what it claims, each check's verdict, combined (illegal beats unknown beats ok). */
export function judgeSystemRun(system: System, workload: SystemWorkload, history: SystemRunResult['history'], states: readonly NodeState[], limits: Pick<SystemRunLimits, 'checkerMsMax' | 'checkerCacheEntriesMax'>): SystemCheck[] {
  const checks: SystemCheck[] = [];
  if (workload.claims.linearizable) {
    const linear = checkLinearizable(workload.model(null), history, { timeoutMs: limits.checkerMsMax, cacheEntriesMax: limits.checkerCacheEntriesMax });
    checks.push({ kind: 'linearizability', verdict: linear.verdict, summary: linear.reason ?? linear.verdict, details: linear });
  }
  if (workload.claims.convergence) {
    const verdict = system.converged(states);
    checks.push({ kind: 'convergence', verdict, summary: verdict === 'ok' ? 'every node holds the same state' : verdict === 'illegal' ? 'the nodes disagree after the heal' : 'a node did not answer after the heal' });
  }
  for (const check of workload.invariants?.(history, states) ?? []) checks.push({ kind: check.name, verdict: check.verdict, summary: check.summary, details: check.details });
  return checks;
}

function resultOf(request: SystemRunRequest, recorder: Recorder, checks: SystemCheck[], states: NodeState[], performed: Performed, quiesced: boolean, durationMs: number): SystemRunResult {
  const latencies = [...performed.latenciesNs].sort((a, b) => a - b);
  const verdict: Verdict = combineVerdicts(checks.map((check) => check.verdict));
  return {
    runId: systemRunId(request.seeds, request.plan),
    seeds: request.seeds,
    plan: request.plan,
    claims: workloadOf(request).claims,
    verdict,
    violations: checks.filter((check) => check.verdict === 'illegal').map((check) => check.kind),
    checks,
    history: recorder.history,
    nemesis: recorder.nemesis,
    finalStates: states,
    latenciesNs: performed.latenciesNs,
    stats: {
      ...completionCounts(recorder.history),
      faultsApplied: performed.faultsApplied,
      latencyP50Ms: percentile(latencies, 0.5) / 1e6,
      latencyP99Ms: percentile(latencies, 0.99) / 1e6,
      durationMs,
      quiesced,
      truncated: performed.truncated,
    },
  };
}

/**
 * Runs the plan on a fresh cluster and proxy (an outside system's state cannot be reset to a seed, so
 * nothing carries over between runs). A node that will not start is the system's bad input
 * (SystemStartError, exit 65); a failure of the lab later in the run makes the run unknown.
 */
export async function runSystemPlan(request: SystemRunRequest): Promise<SystemRunResult> {
  const { plan, system } = request;
  const limits = { ...defaultSystemRunLimits, ...(system.opDeadlineMs === undefined ? {} : { deadlineMs: system.opDeadlineMs }), ...request.limits };
  const workload = workloadOf(request);
  const problems = systemPlanProblems(plan, systemLinks(system, plan.nodes));
  if (problems.length > 0) throw new SystemPlanError(`the plan does not fit ${plan.system}: ${problems.slice(0, 3).join('; ')}`);
  const started = performance.now();
  const proxy = await startProxyBackend({ choice: request.proxy, seed: request.seeds.proxy });
  const recorder = new Recorder(plan.clients);
  const client = system.client();
  let cluster: SystemCluster | undefined;
  const empty: Performed = { latenciesNs: [], faultsApplied: 0, truncated: true };
  try {
    cluster = await startSystemCluster({ system, size: plan.nodes.length, seed: request.seeds.nodes, workload: plan.workload, proxy, readyMs: limits.nodeReadyMs, ...(request.onSpawn === undefined ? {} : { onSpawn: request.onSpawn }) });
    const driver = new NemesisFaultDriver(cluster, proxy.adapter);
    driver.beginRun(systemPlanHash(plan).slice(0, 12));
    const performed = await performSteps(request, cluster, client, driver, recorder, limits);
    if (plan.faultSchedule.length > 0) await new Promise((resolve) => setTimeout(resolve, faultSettleMs));
    await driver.healAll();
    recorder.nemesisEvent({ type: 'stop', step: plan.steps.length, fault: 'heal-all', description: 'heal all' });
    const { states, quiesced } = await settledStates(system, cluster, limits);
    const checks = judgeSystemRun(system, workload, recorder.history, states, limits);
    return resultOf(request, recorder, checks, states, performed, quiesced, performance.now() - started);
  } catch (error) {
    if (isSystemStartError(error) && cluster === undefined) throw error;
    if (isOpUnencodable(error)) throw new SystemPlanError(error instanceof Error ? error.message : String(error));
    const checks: SystemCheck[] = [{ kind: 'lab', verdict: 'unknown', summary: `the lab failed before a verdict: ${error instanceof Error ? error.message : String(error)}` }];
    return resultOf(request, recorder, checks, [], empty, false, performance.now() - started);
  } finally {
    await client.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await proxy.stop().catch(() => undefined);
  }
}

/** A system client refuses an op it cannot encode by throwing an error whose code ends in `op-unencodable`. */
function isOpUnencodable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.endsWith('op-unencodable');
}
