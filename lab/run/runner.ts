// One run: a plan with its seeds against a real cluster. Acquire a cluster reset to the run's seeds,
// drive the workload and the faults in logical steps, heal, wait for quiescence, read every branch's
// Snapshot, and judge what the strategy claims. Writes nothing: the session decides what is kept.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { assert, judge, labFailureJudgement } from '../../models/index.js';
import type { BranchState } from '../../models/index.js';
import { Recorder } from '../client/index.js';
import { planHash, planProblems, strategyDeclaration } from '../plan/index.js';
import type { Plan, RunSeeds } from '../plan/index.js';
import { isToxiproxyError } from '../proxy/index.js';
import type { ProxyBackend } from '../proxy/index.js';
import { realClock } from '../cluster/index.js';
import { runIdFor } from '../report/index.js';
import type { RunRandomness, RunResult } from '../report/index.js';
import type { ClusterPool } from './pool.js';
import { quiesce } from './quiesce.js';
import { defaultRunLimits, runResultOf } from './run-result.js';
import type { Execution, RunLimits } from './run-result.js';
import { runSimPlan } from './sim-run.js';
import { StallInjector } from './stalls.js';
import type { CpuStall } from './stalls.js';
import { faultSettleMs, runWorkload, sessionsOf } from './steps.js';
import type { WorkloadResult } from './steps.js';

export interface RunRequest {
  plan: Plan;
  /** Every random choice of the run comes from these: the nodes', the proxy's and the clients'. */
  seeds: RunSeeds;
  pool: ClusterPool;
  limits?: Partial<RunLimits>;
  /** The readable name of the run; by default from its seeds, path and strategy. */
  runId?: string;
  /** Real only: nodes to stop where and as long as (from the simulator's run of the plan; see stalls.ts). */
  stalls?: readonly CpuStall[];
}

async function execute(request: RunRequest, limits: RunLimits, runId: string, recorder: Recorder, marks: number[]): Promise<Execution> {
  const { plan, pool, seeds } = request;
  const lease = await pool.acquire(plan.workload.branches.length, plan.workload.accounts, seeds);
  lease.driver.beginRun(planHash(plan).slice(0, 12));
  marks.push(performance.now());
  // A stall runs its course as the simulator's did, into the heal and the wait for quiescence if it lasts.
  const stalls = new StallInjector(request.stalls ?? [], plan, lease.cluster, recorder, realClock);
  let workload: WorkloadResult;
  let settled: Awaited<ReturnType<typeof quiesce>>;
  try {
    workload = await runWorkload(plan, (branch) => lease.cluster.client(branch), lease.driver, recorder, {
      ...limits, runId, clock: realClock, ...sessionsOf(pool.strategy, seeds), atStep: (step) => stalls.atStep(step),
    });
    // The last step's updates land before the heal, as at every fault boundary (steps.ts).
    if (plan.faultSchedule.length > 0) await sleep(faultSettleMs);
    await lease.driver.healAll();
    recorder.nemesisEvent({ type: 'stop', step: plan.workload.steps.length, fault: 'heal-all', description: 'heal all' });
    marks.push(performance.now());
    settled = await quiesce(() => lease.cluster.snapshot(), limits.quiescenceMsMax, realClock);
  } finally {
    stalls.stop(plan.workload.steps.length);
  }
  const { states, quiesced } = settled;
  marks.push(performance.now());
  const claims = strategyDeclaration(pool.strategy).claims;
  const input = { history: recorder.history, accounts: plan.workload.accounts, finalStates: states, claims };
  const judgement = judge(input, { ...limits, quiescenceMs: limits.quiescenceMsMax });
  marks.push(performance.now());
  return { states, quiesced, workload, judgement, randomness: await randomnessOf(states, lease.proxy) };
}

/** The nodes' draws (from their final Snapshot) and a digest of the proxy's decision log. */
async function randomnessOf(states: readonly BranchState[], proxy: ProxyBackend): Promise<RunRandomness> {
  const nodes: RunRandomness['nodes'] = {};
  for (const state of states) {
    const drawn = (state as BranchState & { randomness?: { seed: string; draws: number; digest: string } }).randomness;
    if (drawn !== undefined) nodes[state.branch] = { seed: drawn.seed, draws: drawn.draws, digest: drawn.digest };
  }
  const dump = await proxy.decisions();
  const digest = dump === undefined ? null : { decisions: dump.decisions.length, digest: createHash('sha256').update(JSON.stringify(dump.decisions)).digest('hex') };
  return { nodes, proxy: digest };
}

/**
 * How many times a plan runs when the Toxiproxy server fails under it. The real server can hang when
 * a toxic is removed while its connections are blocked (Shopify/toxiproxy#558, open); its API then
 * answers 503 after its own timeout.
 */
export const proxyFailureAttemptsMax = 2;

/**
 * A failure of the lab's surroundings (a proxy server that died, a node that would not restart) is
 * no verdict on the system: the run is `unknown`, the cluster is thrown away, and the session goes
 * on. A failed assertion is a bug of the lab and is not caught here: it crashes the run (exit 70).
 */
async function labFailure(request: RunRequest, error: unknown): Promise<Execution> {
  await request.pool.discard(request.plan.workload.branches.length);
  return {
    states: [],
    randomness: { nodes: {}, proxy: null },
    quiesced: false,
    workload: { latenciesNs: [], faultsApplied: 0, truncated: true, stepStartsMs: [] },
    judgement: labFailureJudgement(error instanceof Error ? error.message : String(error)),
  };
}

/** The stalls the simulator's run of the same plan and seeds drew for its nodes (the default CPU model). */
async function simulatedStalls(request: RunRequest): Promise<readonly CpuStall[]> {
  const { plan, seeds, pool } = request;
  const { stalls } = await runSimPlan({ plan, seeds, strategy: pool.strategy, bug: pool.bug, ...(request.limits === undefined ? {} : { limits: request.limits }) });
  return stalls;
}

function isLabBug(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'assertion';
}

async function executeWithRetry(request: RunRequest, limits: RunLimits, runId: string): Promise<{ execution: Execution; recorder: Recorder; marks: number[] }> {
  for (let attempt = 1; ; attempt += 1) {
    const recorder = new Recorder(request.plan.workload.clients);
    const marks = [performance.now()];
    try {
      return { execution: await execute(request, limits, runId, recorder, marks), recorder, marks };
    } catch (error) {
      if (isLabBug(error)) throw error;
      const execution = await labFailure(request, error);
      // A Toxiproxy server that hung or died says nothing about the system: the plan runs again from
      // the start, on a fresh cluster and proxy server (labFailure discarded them).
      const retry = attempt < proxyFailureAttemptsMax && (isToxiproxyError(error, 'server') || isToxiproxyError(error, 'unreachable'));
      if (!retry) return { execution, recorder, marks };
    }
  }
}

export async function runPlan(request: RunRequest): Promise<RunResult> {
  const { plan, pool, seeds } = request;
  if (pool.mode === 'sim') {
    const simRequest = {
      plan, seeds, strategy: pool.strategy, bug: pool.bug, ...(request.limits === undefined ? {} : { limits: request.limits }),
      ...(pool.randomTiesMax === undefined ? {} : { randomTiesMax: pool.randomTiesMax }),
    };
    return (await runSimPlan({ ...simRequest, ...(request.runId === undefined ? {} : { runId: request.runId }) })).result;
  }
  const problems = planProblems(plan);
  assert(problems.length === 0, () => `the plan to run is malformed: ${problems.join('; ')}`);
  const limits = { ...defaultRunLimits, ...request.limits };
  const runId = request.runId ?? runIdFor(seeds, plan.path, pool.strategy);
  const stalls = request.stalls ?? (pool.stalls === 'sim' ? await simulatedStalls(request) : undefined);
  const started = performance.now();
  const { execution, recorder, marks } = await executeWithRetry({ ...request, ...(stalls === undefined ? {} : { stalls }) }, limits, runId);
  while (marks.length < 5) marks.push(performance.now());
  const [begun, acquired, worked, quiescedAt, checked] = marks as [number, number, number, number, number];
  const phasesMs = { acquire: acquired - begun, workload: worked - acquired, quiesce: quiescedAt - worked, check: checked - quiescedAt };
  return runResultOf({ runId, seeds, plan, strategy: pool.strategy, bug: pool.bug }, execution, recorder, performance.now() - started, phasesMs);
}
