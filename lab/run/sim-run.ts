// One run in the simulator: the same plan, steps, nemesis interface, quiescence wait and judge as a
// real run, with the bank's own node code in this process under the discrete-event loop, the runtime
// guard on, and a trace of every event. Replaying a seed gives the same trace, byte for byte.
// Try it: `const { result, trace } = await runSimPlan({ plan, seeds, strategy: 'lock-free' })`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, judge, labFailureJudgement } from '../../models/index.js';
import type { BranchState, Judgement } from '../../models/index.js';
import { Recorder } from '../client/index.js';
import { deriveSeed, planProblems, strategyDeclaration } from '../plan/index.js';
import type { Bug, Plan, RunSeeds, Strategy } from '../plan/index.js';
import { runIdFor } from '../report/index.js';
import type { RunResult } from '../report/index.js';
import type { CpuModel, GuardReport, Schedule, SimLimits, SimNemesis, SimWorld, WorldOptions } from '../sim/index.js';
import { defaultRunLimits, runResultOf } from './run-result.js';
import type { Execution, RunLimits } from './run-result.js';
import { quiesce } from './quiesce.js';
import { stallsOf } from './stalls.js';
import type { CpuStall } from './stalls.js';
import { faultSettleMs, runWorkload, sessionsOf } from './steps.js';
import type { WorkloadResult } from './steps.js';

export interface SimRunRequest {
  plan: Plan;
  seeds: RunSeeds;
  strategy: Strategy;
  bug?: Bug | undefined;
  limits?: Partial<RunLimits>;
  simLimits?: Partial<SimLimits>;
  /** `fifo`: simultaneous events in the order they were scheduled, not the seed's shuffle. */
  schedule?: Schedule;
  runId?: string;
  /** Tie choices drawn before the schedule falls back to FIFO (see LoopOptions); unbounded by default. */
  randomTiesMax?: number;
  /** Wraps each branch's runtime (tests plant nondeterminism with it; see WorldOptions). */
  runtimeFor?: WorldOptions['runtimeFor'];
  /** The nodes' virtual CPU time (see lab/sim/cpu.ts); the default model unless given. */
  cpu?: CpuModel;
}

export interface SimStats {
  events: number;
  /** The scheduler's tie choices drawn (ties among simultaneous events of different processes). */
  tieDraws: number;
  virtualMs: number;
  wallMs: number;
  /** The nodes' CPU stalls that held up an event (a process off the CPU), and their virtual ms in all. */
  cpuStalls: number;
  cpuStallMs: number;
  /** Calls to a real clock, timer or random source from the lab's code during the run: must be 0. */
  guard: GuardReport;
}

export interface SimRunOutcome {
  result: RunResult;
  /** trace.jsonl, line by line. */
  trace: readonly string[];
  sim: SimStats;
  /** The CPU stalls that held up a node's events, by step: what a real replay stops the nodes for (stalls.ts). */
  stalls: CpuStall[];
}

/** The simulator's seed: split by name from the run's root, so it shifts no other part's draws. */
export function simulatorSeed(seeds: RunSeeds): number {
  return deriveSeed(seeds.root, `run/${seeds.index}/simulator`);
}

const emptyWorkload: WorkloadResult = { latenciesNs: [], faultsApplied: 0, truncated: true, stepStartsMs: [] };

/** A crash of the system's code under the simulator: a failure of the system, not of the lab. */
function crashJudgement(reason: string): Judgement {
  return { verdict: 'illegal', violations: ['lab'], checks: [{ kind: 'lab', verdict: 'illegal', summary: `the system crashed: ${reason}` }] };
}

interface Simulated {
  states: BranchState[];
  quiesced: boolean;
  workload: WorkloadResult;
}

/**
 * The simulator, with the bank's node code and SQLite under it, loads on the first simulated run: a
 * real run (and every `faultline run` start) never pays for it.
 */
function simulator(): Promise<typeof import('../sim/index.js')> {
  return import('../sim/index.js');
}

/**
 * The simulated run itself. `nemesis` comes in made: a dynamic import inside the loop can take longer
 * than the loop's one real turn between events (tsx resolves it on its loader thread), and the loop
 * then finds nothing scheduled and stalls.
 */
async function simulate(world: SimWorld, nemesis: SimNemesis, request: SimRunRequest, limits: RunLimits, runId: string, recorder: Recorder): Promise<Simulated> {
  const { plan } = request;
  const clock = world.labClock;
  world.startAll();
  await world.streamsUp();
  const workload = await runWorkload(plan, (branch) => world.client(branch), nemesis, recorder, { ...limits, runId, clock, ...sessionsOf(request.strategy, request.seeds) });
  if (plan.faultSchedule.length > 0) await clock.sleep(faultSettleMs);
  await nemesis.healAll();
  recorder.nemesisEvent({ type: 'stop', step: plan.workload.steps.length, fault: 'heal-all', description: 'heal all' });
  const { states, quiesced } = await quiesce(() => world.snapshot(), limits.quiescenceMsMax, clock);
  return { states, quiesced, workload };
}

export async function runSimPlan(request: SimRunRequest): Promise<SimRunOutcome> {
  const { plan, seeds, strategy } = request;
  const problems = planProblems(plan);
  assert(problems.length === 0, () => `the plan to run is malformed: ${problems.join('; ')}`);
  const limits = { ...defaultRunLimits, ...request.limits };
  const runId = request.runId ?? runIdFor(seeds, plan.path, strategy);
  // Loaded before the loop starts: inside it, a module load is real I/O the loop would wait on.
  const { installGuard, SimCrashError, SimLimitError, SimNemesis, SimWorld } = await simulator();
  const started = performance.now();
  const world = new SimWorld({
    seed: simulatorSeed(seeds), branches: plan.workload.branches, strategy, bug: request.bug, accounts: plan.workload.accounts,
    nodeSeed: String(seeds.nodes), ...(request.schedule === undefined ? {} : { schedule: request.schedule }),
    ...(request.simLimits === undefined ? {} : { limits: request.simLimits }),
    ...(request.runtimeFor === undefined ? {} : { runtimeFor: request.runtimeFor }),
    ...(request.randomTiesMax === undefined ? {} : { randomTiesMax: request.randomTiesMax }),
    ...(request.cpu === undefined ? {} : { cpu: request.cpu }),
  });
  const recorder = new Recorder(plan.workload.clients, () => Math.round(world.loop.now * 1e6));
  const guard = installGuard();
  let simulated: Simulated | undefined;
  let failure: Judgement | undefined;
  try {
    const nemesis = new SimNemesis(world);
    simulated = await world.loop.run(() => simulate(world, nemesis, request, limits, runId, recorder));
  } catch (error) {
    if (error instanceof SimLimitError) failure = labFailureJudgement(error.message);
    else if (error instanceof SimCrashError) failure = crashJudgement(error.message);
    else throw error;
  } finally {
    guard.remove();
    world.close();
  }
  const simulatedAt = performance.now();
  const states = simulated?.states ?? [];
  const claims = strategyDeclaration(strategy).claims;
  const judgement = failure ?? judge(
    { history: recorder.history, accounts: plan.workload.accounts, finalStates: states, claims },
    { ...limits, quiescenceMs: limits.quiescenceMsMax },
  );
  const execution: Execution = {
    states, quiesced: simulated?.quiesced ?? false, workload: simulated?.workload ?? emptyWorkload, judgement,
    randomness: { nodes: randomnessOf(states), proxy: null },
  };
  const checkedAt = performance.now();
  const phasesMs = { acquire: 0, workload: simulatedAt - started, quiesce: 0, check: checkedAt - simulatedAt };
  const result: RunResult = {
    ...runResultOf({ runId, seeds, plan, strategy, bug: request.bug }, execution, recorder, checkedAt - started, phasesMs),
    mode: 'sim',
    messages: world.network.messages.map((message) => ({
      from: message.from, to: message.to, kind: message.kind, label: message.label,
      sentNs: Math.round(message.sentMs * 1e6), receivedNs: message.receivedMs === null ? null : Math.round(message.receivedMs * 1e6),
    })),
  };
  const sim = {
    events: world.loop.eventCount, tieDraws: world.loop.tieDraws, virtualMs: world.loop.now, wallMs: checkedAt - started,
    cpuStalls: world.loop.stalls.stalls, cpuStallMs: world.loop.stalls.stallMs, guard: guard.report(),
  };
  const trace = world.loop.trace.list();
  traces.set(result, trace);
  const stalls = stallsOf(world.loop.stalls.held ?? [], simulated?.workload.stepStartsMs ?? [], plan);
  return { result, trace, sim, stalls };
}

/** The trace of each simulated run's result, for whoever writes its artifacts. */
const traces = new WeakMap<RunResult, readonly string[]>();

export const traceFileName = 'trace.jsonl';

/** Writes trace.jsonl beside a simulated run's other artifacts; a real run has none. */
export function writeSimTrace(result: RunResult): void {
  const trace = traces.get(result);
  if (trace === undefined || result.artifactDir === undefined) return;
  writeFileSync(join(result.artifactDir, traceFileName), trace.length === 0 ? '' : `${trace.join('\n')}\n`);
}

function randomnessOf(states: readonly BranchState[]): RunResult['randomness']['nodes'] {
  const nodes: RunResult['randomness']['nodes'] = {};
  for (const state of states) {
    const drawn = (state as BranchState & { randomness?: { seed: string; draws: number; digest: string } }).randomness;
    if (drawn !== undefined) nodes[state.branch] = { seed: drawn.seed, draws: drawn.draws, digest: drawn.digest };
  }
  return nodes;
}

/** A copy of a simulated result (the shrinker renames its last failing run) keeps its trace. */
export function carryTrace(from: RunResult, to: RunResult): RunResult {
  const trace = traces.get(from);
  if (trace !== undefined) traces.set(to, trace);
  return to;
}

/** The trace a simulated run left, if `result` is one. */
export function simTraceOf(result: RunResult): readonly string[] | undefined {
  return traces.get(result);
}

export interface DeterminismCheck {
  same: boolean;
  lines: number;
  /** The first line (from 1) where the two traces differ, with both versions of it. */
  difference: { line: number; first: string; second: string } | undefined;
}

/** Runs the request again and compares its trace with `trace` (or runs it twice): a seed must replay byte for byte. */
export async function checkDeterminism(request: SimRunRequest, trace?: readonly string[]): Promise<DeterminismCheck> {
  const first = trace ?? (await runSimPlan(request)).trace;
  const second = (await runSimPlan(request)).trace;
  const { firstDifference } = await simulator();
  const difference = firstDifference(first, second);
  return { same: difference === undefined, lines: first.length, difference };
}

export function describeDifference(check: DeterminismCheck): string {
  if (check.difference === undefined) return `the same trace twice (${check.lines} events)`;
  const { line, first, second } = check.difference;
  return `the traces differ first at event ${line}:\n  first run:  ${first}\n  second run: ${second}`;
}

export interface ScheduleShrink {
  /** The fewest tie choices drawn (then FIFO) with which the run still fails; 0: the plain FIFO schedule. */
  randomTies: number;
  /** How many the seed's own schedule drew. */
  of: number;
  runs: number;
  result: RunResult;
}

/**
 * The failing schedule closest to plain FIFO: a binary search over how many of the scheduler's tie
 * choices are drawn before it falls back to FIFO. Every probe is one run, since a replay is exact.
 */
export async function shrinkSchedule(request: SimRunRequest, failing: RunResult, fails: (result: RunResult) => boolean): Promise<ScheduleShrink> {
  const original = await runSimPlan(request);
  const of = original.sim.tieDraws;
  let runs = 1;
  const probe = async (randomTies: number): Promise<RunResult | undefined> => {
    runs += 1;
    const { result } = await runSimPlan({ ...request, randomTiesMax: randomTies });
    return fails(result) ? result : undefined;
  };
  const fifo = await probe(0);
  if (fifo !== undefined) return { randomTies: 0, of, runs, result: fifo };
  let passing = 0;
  let failingTies = of;
  let best = fails(original.result) ? original.result : failing;
  while (failingTies - passing > 1) {
    const middle = Math.floor((passing + failingTies) / 2);
    const result = await probe(middle);
    if (result === undefined) passing = middle;
    else {
      failingTies = middle;
      best = result;
    }
  }
  return { randomTies: failingTies, of, runs, result: best };
}
