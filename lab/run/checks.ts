// Judges one run: linearizability against the bank model and the invariants over the history and the
// final state of every branch. Exactly-once is checked only where the strategy claims it.
import {
  bankModel,
  checkConservation,
  checkConvergence,
  checkExactlyOnce,
  checkLinearizable,
  checkNonNegative,
} from '../../models/index.js';
import type { BranchState, History } from '../../models/history.js';
import type { Strategy } from '../gen/plan.js';

export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface CheckResult {
  kind: 'linearizability' | 'conservation' | 'non-negative' | 'convergence' | 'exactly-once' | 'dead-letters' | 'liveness' | 'lab';
  verdict: Verdict;
  summary: string;
  details?: unknown;
}

export interface Judgement {
  verdict: Verdict;
  checks: CheckResult[];
  /** Kinds of the violations found, in check order. */
  violations: string[];
}

export interface CheckLimits {
  checkerMsMax: number;
  checkerCacheEntriesMax: number;
}

export function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('illegal')) return 'illegal';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'ok';
}

function summarize(result: { verdict: Verdict; reason?: string }, fallback: string): string {
  return result.reason ?? fallback;
}

/** The invariants over the history and the final states; exactly-once only where the strategy claims it. */
export function judgeInvariants(
  history: History,
  accounts: { account: string; balance: number }[],
  finalStates: BranchState[],
  strategy: Strategy,
): CheckResult[] {
  const invariants = [
    checkConservation(history, accounts, finalStates),
    checkNonNegative(history, finalStates),
    checkConvergence(finalStates),
    ...(strategy === 'unsafe' ? [] : [checkExactlyOnce(history, finalStates)]),
  ];
  const checks = invariants.map((result): CheckResult => {
    const summary = result.details.length > 0 ? result.details.slice(0, 3).join('; ') : result.verdict;
    return { kind: result.kind as CheckResult['kind'], verdict: result.verdict, summary, details: result.details };
  });
  return strategy === 'unsafe' ? checks : [...checks, judgeDeadLetters(finalStates)];
}

/** No plan puts an unprocessable update in on purpose, so a dead letter means an update was lost. */
export function judgeDeadLetters(finalStates: BranchState[]): CheckResult {
  const holding = finalStates.filter((state) => state.deadLetters > 0);
  if (holding.length === 0) return { kind: 'dead-letters', verdict: 'ok', summary: 'every dead-letter table is empty' };
  return { kind: 'dead-letters', verdict: 'illegal', summary: holding.map((state) => `${state.branch} holds ${state.deadLetters} dead letters`).join(', ') };
}

/**
 * Liveness: after the heal and the quiescence wait, every outbox must be empty. An update still
 * waiting means propagation did not recover from a fault (the replicas' disagreement follows from it).
 */
export function judgeLiveness(finalStates: BranchState[], quiescenceMs: number): CheckResult {
  const stuck = finalStates.filter((state) => state.outbox > 0);
  if (stuck.length === 0) return { kind: 'liveness', verdict: 'ok', summary: 'every outbox drained' };
  const summary = `${quiescenceMs} ms after the heal, ${stuck.map((state) => `${state.branch}'s outbox still holds ${state.outbox}`).join(', ')}`;
  return { kind: 'liveness', verdict: 'illegal', summary };
}

/**
 * An `info` mutation whose request id no replica ever applied did not happen: the run has healed and
 * quiesced, every call's deadline has passed, and under lock and lock-free only the serialization
 * point applies a request, once. Such an op becomes `fail` before the linearizability check, which
 * keeps the search from blowing up on ops that are open forever. Ids that were applied stay `info`:
 * when they took effect is still unknown. unsafe has no such guarantee and keeps its history as is.
 */
export function resolveUnknowns(history: History, finalStates: BranchState[], strategy: Strategy): History {
  if (strategy === 'unsafe' || finalStates.length === 0) return history;
  const applied = new Set(finalStates.flatMap((state) => state.applied.map((key) => key.requestId)));
  return history.map((event) => {
    const requestId = (event.value as { requestId?: unknown } | null)?.requestId;
    if (event.type !== 'info' || typeof requestId !== 'string' || applied.has(requestId)) return event;
    return { ...event, type: 'fail', error: `${event.error ?? 'unknown'}; never applied on any replica` };
  });
}

export function judge(
  history: History,
  accounts: { account: string; balance: number }[],
  finalStates: BranchState[],
  strategy: Strategy,
  limits: CheckLimits & { quiescenceMsMax: number },
): Judgement {
  const linear = checkLinearizable(bankModel(accounts), resolveUnknowns(history, finalStates, strategy), { timeoutMs: limits.checkerMsMax, cacheEntriesMax: limits.checkerCacheEntriesMax });
  const checks: CheckResult[] = [
    { kind: 'linearizability', verdict: linear.verdict, summary: summarize(linear, linear.verdict), details: linear },
    ...judgeInvariants(history, accounts, finalStates, strategy),
    judgeLiveness(finalStates, limits.quiescenceMsMax),
  ];
  const verdict = combine(checks.map((check) => check.verdict));
  return { verdict, checks, violations: checks.filter((check) => check.verdict === 'illegal').map((check) => check.kind) };
}
