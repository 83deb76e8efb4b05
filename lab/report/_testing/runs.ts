// RunResults for the report's tests and benchmark, without a cluster: a caught lost update judged by the
// real judge (models/fixtures/bank-lost-update-bad.jsonl), and a synthetic run of any size.
import { readFileSync } from 'node:fs';
import { judge, parseHistory } from '../../../models/index.js';
import type { BranchState, HistoryEvent } from '../../../models/index.js';
import type { NemesisEvent } from '../../client/index.js';
import { claimsOf, defaultPlanConstraints, runSeeds } from '../../plan/index.js';
import type { Fault, FaultStep, Plan, PlanOp } from '../../plan/index.js';
import type { RunResult } from '../outcome.js';

const fixture = new URL('../../../models/fixtures/bank-lost-update-bad.jsonl', import.meta.url);
const nanosecondsPerMs = 1e6;
const judgeLimits = { checkerMsMax: 5_000, checkerCacheEntriesMax: 100_000, quiescenceMs: 0 };

function planOf(steps: PlanOp[][], accounts: Plan['workload']['accounts'], clients: number, faultSchedule: FaultStep[] = []): Plan {
  // Seeded as run 0 of root 7 would generate it, so the story can print the command that reruns it.
  return { version: 1, seed: runSeeds(7, 0).plan, path: '0', constraints: defaultPlanConstraints, workload: { branches: ['b1', 'b2', 'b3'], accounts, clients, steps }, faultSchedule };
}

function resultOf(plan: Plan, history: HistoryEvent[], nemesis: NemesisEvent[], finalStates: BranchState[]): RunResult {
  const claims = claimsOf('unsafe');
  const judged = judge({ history, accounts: plan.workload.accounts, finalStates, claims }, judgeLimits);
  const completions = history.filter((event) => event.type !== 'invoke');
  const count = (type: string): number => completions.filter((event) => event.type === type).length;
  const durationMs = (history.at(-1)?.time ?? 0) / nanosecondsPerMs;
  return {
    runId: 'hand-caught-unsafe', seeds: runSeeds(7, 0), plan, strategy: 'unsafe', bug: undefined, claims,
    verdict: judged.verdict, violations: judged.violations, checks: judged.checks, history, nemesis, finalStates, nodeStats: [],
    stats: { ops: completions.length, ok: count('ok'), fail: count('fail'), info: count('info'), faultsApplied: 1, latencyP50Ms: 0, latencyP90Ms: 0, latencyP99Ms: 0, durationMs, quiesced: true, truncated: false, phasesMs: { acquire: 0, workload: durationMs, quiesce: 0, check: 0 } },
    randomness: { nodes: {}, proxy: null }, latenciesNs: [],
  };
}

function state(branch: string, a1: number, a2: number): BranchState {
  return { branch, accounts: { a1: { balance: a1, version: 2 }, a2: { balance: a2, version: 0 } }, applied: [], deadLetters: 0, outbox: 0 };
}

/** The lost update every unsafe run of concurrent-deposits-lost-update shows: two deposits, one lost. */
export function caughtRun(): RunResult {
  const history = parseHistory(readFileSync(fixture, 'utf8'), 'jsonl').map(({ line: _line, ...event }) => event);
  const base = { retries: 0 };
  const steps: PlanOp[][] = [
    [{ f: 'deposit', client: 1, branch: 'b1', account: 'a1', amount: 10, requestId: 'c1-1', ...base }, { f: 'deposit', client: 2, branch: 'b2', account: 'a1', amount: 20, requestId: 'c2-1', ...base }],
    [{ f: 'query', client: 3, branch: 'b3', account: 'a2', ...base }],
    [{ f: 'query', client: 1, branch: 'b1', account: 'a1', ...base }],
  ];
  const partition: Fault = { kind: 'partition', mode: 'isolate', from: ['b1'], to: ['b2', 'b3'], links: ['b1-b2', 'b1-b3'] };
  const plan = planOf(steps, [{ account: 'a1', balance: 100 }, { account: 'a2', balance: 50 }], 4, [{ atStep: 0, healAtStep: 1, fault: partition }]);
  const nemesis: NemesisEvent[] = [
    { index: 0, type: 'start', step: 0, fault: partition, description: 'partition (isolate) b1 | b2,b3', time: 900 },
    { index: 1, type: 'stop', step: 1, fault: partition, description: 'partition (isolate) b1 | b2,b3', time: 3150 },
    { index: 2, type: 'stop', step: 3, fault: 'heal-all', description: 'heal all', time: 4300 },
  ];
  return resultOf(plan, history, nemesis, [state('b1', 120, 50), state('b2', 110, 50), state('b3', 120, 50)]);
}

/** A deterministic number stream (an LCG): the synthetic run must be the same every time. */
function numbers(seed: number): () => number {
  let current = seed >>> 0;
  return () => {
    current = (Math.imul(current, 1_664_525) + 1_013_904_223) >>> 0;
    return current / 2 ** 32;
  };
}

function syntheticOp(step: number, client: number, draw: () => number): PlanOp {
  const branch = (['b1', 'b2', 'b3'] as const)[client % 3] ?? 'b1';
  const account = `a${1 + Math.floor(draw() * 4)}`;
  const base = { client, branch, retries: step % 5 === 0 ? 1 : 0 };
  const pick = draw();
  const amount = 1 + Math.floor(draw() * 20);
  if (pick < 0.25) return { f: 'query', account, ...base };
  if (pick < 0.5) return { f: 'withdraw', account, amount, requestId: `s${step}c${client}`, ...base };
  if (pick < 0.75) return { f: 'transfer', from: account, to: account === 'a1' ? 'a2' : 'a1', amount, requestId: `s${step}c${client}`, ...base };
  return { f: 'deposit', account, amount, requestId: `s${step}c${client}`, ...base };
}

function outputOf(op: PlanOp, draw: () => number): Record<string, unknown> {
  const balance = Math.floor(draw() * 500);
  if (op.f === 'transfer') return { applied: true, fromBalance: balance, toBalance: balance + 7 };
  return op.f === 'withdraw' ? { applied: true, balance } : { balance };
}

interface Timed {
  process: number;
  type: HistoryEvent['type'];
  f: string;
  value: Record<string, unknown>;
  timeMs: number;
  error?: string;
}

/** One step's events: every client's op, a fraction of a ms apart, each taking 1 to 7 ms. */
function stepEvents(ops: readonly PlanOp[], startMs: number, processOf: number[], next: { process: number }, draw: () => number): { events: Timed[]; endMs: number } {
  const events: Timed[] = [];
  let endMs = startMs;
  for (const op of ops) {
    const process = processOf[op.client] ?? 0;
    const input = op.f === 'query' ? { account: op.account } : op.f === 'transfer' ? { from: op.from, to: op.to, amount: op.amount, requestId: op.requestId } : { account: op.account, amount: op.amount, requestId: op.requestId };
    const invokeMs = startMs + op.client * 0.2;
    const doneMs = invokeMs + 1 + draw() * 6;
    const roll = draw();
    const type = roll < 0.03 ? 'info' : roll < 0.08 ? 'fail' : 'ok';
    events.push({ process, type: 'invoke', f: op.f, value: input, timeMs: invokeMs });
    events.push({ process, type, f: op.f, value: type === 'ok' ? { ...input, ...outputOf(op, draw) } : input, timeMs: doneMs, ...(type === 'ok' ? {} : { error: 'UNAVAILABLE: no connection' }) });
    if (type === 'info' && op.f !== 'query') processOf[op.client] = next.process++;
    else if (type === 'info') events[events.length - 1] = { ...(events.at(-1) as Timed), type: 'fail' };
    endMs = Math.max(endMs, doneMs);
  }
  return { events, endMs };
}

function syntheticNemesis(faults: readonly FaultStep[], stepStartMs: readonly number[], endMs: number): NemesisEvent[] {
  const events: Omit<NemesisEvent, 'index'>[] = [];
  for (const step of faults) {
    const description = step.fault.kind === 'kill' ? `kill -9 ${step.fault.node}` : step.fault.kind;
    events.push({ type: 'start', step: step.atStep, fault: step.fault, description, time: Math.round(((stepStartMs[step.atStep] ?? endMs) - 0.05) * nanosecondsPerMs) });
    events.push({ type: 'stop', step: step.healAtStep, fault: step.fault, description, time: Math.round(((stepStartMs[step.healAtStep] ?? endMs) - 0.05) * nanosecondsPerMs) });
  }
  events.push({ type: 'stop', step: stepStartMs.length, fault: 'heal-all', description: 'heal all', time: Math.round(endMs * nanosecondsPerMs) + 1 });
  return events.sort((a, b) => a.time - b.time).map((event, index) => ({ ...event, index }));
}

/**
 * A run of `opsCount` ops from 8 clients with a partition and a kill, made up rather than recorded: for
 * the report's size and speed. Its checks are written by hand (a linearizability witness over the first
 * ops, a conservation failure), since judging made-up balances says nothing.
 */
export function syntheticRun(opsCount: number, seed = 1): RunResult {
  const clients = 8;
  const draw = numbers(seed);
  const stepsCount = Math.ceil(opsCount / clients);
  const steps = Array.from({ length: stepsCount }, (_, step) => Array.from({ length: Math.min(clients, opsCount - step * clients) }, (_, client) => syntheticOp(step, client, draw)));
  const stepOf = (fraction: number): number => Math.floor(stepsCount * fraction);
  const faults: FaultStep[] = [
    { atStep: stepOf(0.1), healAtStep: stepOf(0.3), fault: { kind: 'partition', mode: 'isolate', from: ['b1'], to: ['b2', 'b3'], links: ['b1-b2', 'b1-b3'] } },
    { atStep: stepOf(0.5), healAtStep: stepOf(0.6), fault: { kind: 'kill', node: 'b2' } },
  ];
  const plan = planOf(steps, ['a1', 'a2', 'a3', 'a4'].map((account) => ({ account, balance: 100 })), clients, faults);
  const processOf = Array.from({ length: clients }, (_, client) => client);
  const next = { process: clients };
  const timed: Timed[] = [];
  const stepStartMs: number[] = [];
  let clockMs = 1;
  for (const ops of steps) {
    stepStartMs.push(clockMs);
    const { events, endMs } = stepEvents(ops, clockMs, processOf, next, draw);
    timed.push(...events.sort((a, b) => a.timeMs - b.timeMs));
    clockMs = endMs + 0.5;
  }
  const history: HistoryEvent[] = timed.map((event, index) => ({ index, process: event.process, type: event.type, f: event.f, value: event.value, time: Math.round(event.timeMs * nanosecondsPerMs), ...(event.error === undefined ? {} : { error: event.error }) }));
  const run = resultOf(planOf([], plan.workload.accounts, clients), [], [], []);
  return { ...run, runId: `synthetic-${opsCount}`, plan, history, nemesis: syntheticNemesis(faults, stepStartMs, clockMs), ...syntheticVerdict(history), finalStates: [state('b1', 120, 50), state('b2', 110, 50), state('b3', 120, 50)] };
}

function syntheticVerdict(history: readonly HistoryEvent[]): Pick<RunResult, 'verdict' | 'violations' | 'checks'> {
  const invokes = history.filter((event) => event.type === 'invoke').slice(0, 41);
  const longest = invokes.slice(0, 40).map((event) => ({ index: event.index, process: event.process, operation: `${event.f}(…)`, state: 'a1=100 a2=100' }));
  const blocked = invokes[40];
  const witness = { kind: 'counterexample', partition: 0, operations: invokes.map((event) => event.index), initialState: 'a1=100 a2=100 a3=100 a4=100', longest, blocked: blocked === undefined ? undefined : { index: blocked.index, process: blocked.process, operation: `${blocked.f}(…)` } };
  return {
    verdict: 'illegal',
    violations: ['linearizability', 'conservation'],
    checks: [
      { kind: 'linearizability', verdict: 'illegal', summary: `no linearization: then op ${blocked?.index ?? 0} has no legal point`, details: { witness } },
      { kind: 'conservation', verdict: 'illegal', summary: 'a1: made up numbers', details: ['a1: made up numbers'] },
    ],
  };
}
