// The judge: a pure function of (history, initial accounts, final states, claims, limits) that runs
// the checks a system declares and combines their verdicts. It knows no strategy by name: the claims
// say what to check. The run and `faultline check` both call it, so the two always agree.
import { bankModel } from './bank.js';
import type { InitialAccount } from './bank.js';
import { checkLinearizable } from './checker.js';
import type { BranchState, History } from './history.js';
import { checkConservation, checkConvergence, checkExactlyOnce, checkNonNegative } from './invariants.js';
import { consistencyOf } from './consistency.js';
import { checkSequential } from './sequential.js';
import { checkSessionGuarantees } from './session.js';
import type { SessionGuarantee } from './session.js';
import type { ConsistencyReport } from './consistency.js';
import { combineVerdicts } from './model.js';
import type { Verdict } from './model.js';

/** What a system (a bank strategy) promises, as data; the judge checks each claim that is true. */
export interface Claims {
  /** Every history has a linearization under the bank model. */
  linearizable: boolean;
  /** Money is neither made nor lost: checked on the history's sums and on every replica's balances. */
  conservation: boolean;
  nonNegative: boolean;
  /** After the heal and quiescence, every replica holds the same balances. */
  convergence: boolean;
  /** After the heal and quiescence, every outbox is empty. */
  liveness: boolean;
  /** No request id is applied twice on any replica. */
  exactlyOnce: boolean;
  /** No update ends in a dead-letter queue (no plan puts an unprocessable update in on purpose). */
  noDeadLetters: boolean;
  /**
   * Only the serialization point applies a request, once, so an `info` mutation that no replica
   * applied did not happen and may be judged as `fail`.
   */
  resolvesUnknownByAppliedSet: boolean;
  /** The session guarantees every session keeps (checked by the accounts' versions); none when absent. */
  session?: readonly SessionGuarantee[];
}

export const checkKinds = ['linearizability', 'sequential', 'session-guarantees', 'conservation', 'non-negative', 'convergence', 'exactly-once', 'dead-letters', 'liveness', 'lab'] as const;
export type CheckKind = (typeof checkKinds)[number];

export interface CheckResult {
  kind: CheckKind;
  verdict: Verdict;
  summary: string;
  details?: unknown;
}

export interface Judgement {
  verdict: Verdict;
  checks: CheckResult[];
  /** Kinds of the violations found, in check order. */
  violations: CheckKind[];
  /** The rung of consistency the history reached, and its staleness: a report beside the verdict. */
  consistency?: ConsistencyReport;
}

export interface JudgeLimits {
  checkerMsMax: number;
  checkerCacheEntriesMax: number;
  /** How long the run waited for quiescence after the heal; named in the liveness summary. */
  quiescenceMs: number;
}

export interface JudgeInput {
  history: History;
  accounts: readonly InitialAccount[];
  finalStates: readonly BranchState[];
  claims: Claims;
}

/** The invariants over the history and the final states, each only where it is claimed. */
export function judgeInvariants(input: JudgeInput): CheckResult[] {
  const { history, accounts, finalStates, claims } = input;
  const invariants = [
    ...(claims.conservation ? [checkConservation(history, [...accounts], [...finalStates])] : []),
    ...(claims.nonNegative ? [checkNonNegative(history, [...finalStates])] : []),
    ...(claims.convergence ? [checkConvergence([...finalStates])] : []),
    ...(claims.exactlyOnce ? [checkExactlyOnce(history, [...finalStates])] : []),
  ];
  const checks = invariants.map((result): CheckResult => {
    const summary = result.details.length > 0 ? result.details.slice(0, 3).join('; ') : result.verdict;
    return { kind: result.kind, verdict: result.verdict, summary, details: result.details };
  });
  return claims.noDeadLetters ? [...checks, judgeDeadLetters(finalStates)] : checks;
}

/** The claimed session guarantees: each violation names its two ops; guarantees not claimed are only reported. */
export function judgeSession(history: History, claimed: readonly SessionGuarantee[]): CheckResult {
  const broken = checkSessionGuarantees(history).violations.filter((violation) => claimed.includes(violation.guarantee));
  if (broken.length === 0) return { kind: 'session-guarantees', verdict: 'ok', summary: `${claimed.join(', ')} held in every session` };
  return { kind: 'session-guarantees', verdict: 'illegal', summary: broken.slice(0, 3).map((violation) => `${violation.guarantee}: ${violation.text}`).join('; '), details: broken };
}

/** A dead letter means an update was lost. */
export function judgeDeadLetters(finalStates: readonly BranchState[]): CheckResult {
  const holding = finalStates.filter((state) => state.deadLetters > 0);
  if (holding.length === 0) return { kind: 'dead-letters', verdict: 'ok', summary: 'every dead-letter table is empty' };
  return { kind: 'dead-letters', verdict: 'illegal', summary: holding.map((state) => `${state.branch} holds ${state.deadLetters} dead letters`).join(', ') };
}

/**
 * Liveness: after the heal and the quiescence wait, every outbox must be empty. An update still
 * waiting means propagation did not recover from a fault (the replicas' disagreement follows from it).
 */
export function judgeLiveness(finalStates: readonly BranchState[], quiescenceMs: number): CheckResult {
  const stuck = finalStates.filter((state) => state.outbox > 0);
  if (stuck.length === 0) return { kind: 'liveness', verdict: 'ok', summary: 'every outbox drained' };
  const summary = `${quiescenceMs} ms after the heal, ${stuck.map((state) => `${state.branch}'s outbox still holds ${state.outbox}`).join(', ')}`;
  return { kind: 'liveness', verdict: 'illegal', summary };
}

/**
 * An `info` mutation whose request id no replica ever applied did not happen, where the system claims
 * that only its serialization point applies a request (resolvesUnknownByAppliedSet): the run has
 * healed and quiesced and every call's deadline has passed. Such an op becomes `fail` before the
 * linearizability check, which keeps the search from blowing up on ops that are open forever. Ids that
 * were applied stay `info`: when they took effect is still unknown.
 */
export function resolveUnknowns(history: History, finalStates: readonly BranchState[], claims: Claims): History {
  if (!claims.resolvesUnknownByAppliedSet || finalStates.length === 0) return history;
  const applied = new Set(finalStates.flatMap((state) => state.applied.map((key) => key.requestId)));
  return history.map((event) => {
    const requestId = (event.value as { requestId?: unknown } | null)?.requestId;
    if (event.type !== 'info' || typeof requestId !== 'string' || applied.has(requestId)) return event;
    return { ...event, type: 'fail', error: `${event.error ?? 'unknown'}; never applied on any replica` };
  });
}

function judgement(checks: CheckResult[]): Judgement {
  const violations = checks.filter((check) => check.verdict === 'illegal').map((check) => check.kind);
  return { verdict: combineVerdicts(checks.map((check) => check.verdict)), checks, violations };
}

/** Every claimed check of one run, combined: illegal beats unknown, unknown beats ok. */
export function judge(input: JudgeInput, limits: JudgeLimits): Judgement {
  const checks: CheckResult[] = [];
  if (input.claims.linearizable) {
    const history = resolveUnknowns(input.history, input.finalStates, input.claims);
    const linear = checkLinearizable(bankModel([...input.accounts]), history, { timeoutMs: limits.checkerMsMax, cacheEntriesMax: limits.checkerCacheEntriesMax });
    checks.push({ kind: 'linearizability', verdict: linear.verdict, summary: linear.reason ?? linear.verdict, details: linear });
  }
  if (input.claims.session !== undefined && input.claims.session.length > 0) checks.push(judgeSession(input.history, input.claims.session));
  checks.push(...judgeInvariants(input));
  if (input.claims.liveness) checks.push(judgeLiveness(input.finalStates, limits.quiescenceMs));
  const verdictOf = (kind: CheckKind): Verdict | undefined => checks.find((check) => check.kind === kind)?.verdict;
  const consistency = consistencyOf(input.history, { ...rungEvidence(input, limits, verdictOf('linearizability')), converged: verdictOf('convergence') });
  return { ...judgement(checks), consistency };
}

/** The sequential search for a run's rung stops here (unknown): a report must not hold the run up. */
export const rungSequentialStepsMax = 200_000;

/**
 * Where the strategy claims less than linearizability, the rung still asks how strong the history was:
 * linearizable, and if not, sequentially consistent. A report only: neither can be a violation here.
 */
function rungEvidence(input: JudgeInput, limits: JudgeLimits, claimed: Verdict | undefined): { linearizable: Verdict | undefined; sequential?: Verdict } {
  const model = bankModel([...input.accounts]);
  const history = resolveUnknowns(input.history, input.finalStates, input.claims);
  const linearizable = claimed ?? checkLinearizable(model, history, { timeoutMs: limits.checkerMsMax, cacheEntriesMax: limits.checkerCacheEntriesMax }).verdict;
  if (linearizable === 'ok') return { linearizable };
  return { linearizable, sequential: checkSequential(model, history, { stepsMax: rungSequentialStepsMax }).verdict };
}

/** The judgement of a run whose lab failed before a verdict: unknown, with the reason. */
export function labFailureJudgement(reason: string): Judgement {
  return judgement([{ kind: 'lab', verdict: 'unknown', summary: `the lab failed before a verdict: ${reason}` }]);
}

/** Combines judgements already made (a run's checks re-judged in part by `check`). */
export function judgementOf(checks: CheckResult[]): Judgement {
  return judgement(checks);
}
