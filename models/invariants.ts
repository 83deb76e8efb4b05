// Invariant checkers over a bank history plus the final state of every branch after heal:
// conservation of money, no negative balance, convergence, exactly-once. Each returns
// `{ verdict, kind, details }`. Try it: `npx vitest run models/invariants.test.ts`.
import { pairCalls } from './calls.js';
import type { Call } from './calls.js';
import type { BranchState, History } from './history.js';
import type { InitialAccount } from './bank.js';
import type { Verdict } from './model.js';

export type InvariantKind = 'conservation' | 'non-negative' | 'convergence' | 'exactly-once';

export interface InvariantResult {
  verdict: Verdict;
  kind: InvariantKind;
  details: string[];
}

/** Details beyond this many are summed up in one line. */
export const detailsMax = 20;

const mutating: ReadonlySet<string> = new Set(['deposit', 'withdraw', 'transfer']);

function result(kind: InvariantKind, violations: string[], notes: string[] = []): InvariantResult {
  const shown = violations.slice(0, detailsMax);
  if (violations.length > detailsMax) shown.push(`... and ${violations.length - detailsMax} more`);
  return { verdict: violations.length > 0 ? 'illegal' : 'ok', kind, details: violations.length > 0 ? shown : notes };
}

function noStates(kind: InvariantKind): InvariantResult {
  return { verdict: 'unknown', kind, details: ['no final states were read, so there is nothing to check'] };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function numberField(value: unknown, name: string): number {
  const field = record(value)[name];
  return typeof field === 'number' ? field : 0;
}

function requestIdOf(call: Call): string | undefined {
  const id = record(call.invoke).requestId;
  return typeof id === 'string' ? id : undefined;
}

type Outcome = 'applied' | 'refused' | 'unknown' | 'not-run';

/** What one call did, as far as the client knows. Deposits are applied when acked. */
function outcomeOf(call: Call): Outcome {
  if (call.completion === 'fail') return 'not-run';
  if (call.completion !== 'ok') return 'unknown';
  if (call.f === 'deposit') return 'applied';
  const applied = record(call.value).applied;
  if (applied === true) return 'applied';
  return applied === false ? 'refused' : 'unknown';
}

/** One request: its first call, and the strongest outcome among its retries (a request id joins them). */
interface Request {
  call: Call;
  outcome: Outcome;
}

const outcomeStrength: Record<Outcome, number> = { 'not-run': 0, refused: 1, unknown: 2, applied: 3 };

function requestsOf(history: History): Request[] {
  const byId = new Map<string, Request>();
  const requests: Request[] = [];
  for (const call of pairCalls(history)) {
    if (!mutating.has(call.f)) continue;
    const outcome = outcomeOf(call);
    const id = requestIdOf(call);
    const known = id === undefined ? undefined : byId.get(id);
    if (known !== undefined) {
      // Retries share the request id: any applied answer settles it, and an unknown try keeps it open.
      if (outcomeStrength[outcome] > outcomeStrength[known.outcome]) known.outcome = outcome;
      continue;
    }
    const request = { call, outcome };
    requests.push(request);
    if (id !== undefined) byId.set(id, request);
  }
  return requests;
}

interface Interval {
  low: number;
  high: number;
}

/** The interval of each account's final balance that the acked and unknown operations allow. */
function expectedBalances(history: History, initialAccounts: readonly InitialAccount[]): Map<string, Interval> {
  const expected = new Map<string, Interval>();
  const at = (account: unknown): Interval => {
    const name = String(account);
    let interval = expected.get(name);
    if (interval === undefined) {
      interval = { low: 0, high: 0 };
      expected.set(name, interval);
    }
    return interval;
  };
  for (const { account, balance } of initialAccounts) {
    at(account).low += balance;
    at(account).high += balance;
  }
  for (const { call, outcome } of requestsOf(history)) {
    if (outcome === 'not-run' || outcome === 'refused') continue;
    const value = record(call.invoke);
    const amount = numberField(value, 'amount');
    const changes: [unknown, number][] = call.f === 'deposit' ? [[value.account, amount]] : call.f === 'withdraw' ? [[value.account, -amount]] : [[value.from, -amount], [value.to, amount]];
    for (const [account, change] of changes) {
      const interval = at(account);
      if (outcome === 'applied' || change < 0) interval.low += change;
      if (outcome === 'applied' || change > 0) interval.high += change;
    }
  }
  return expected;
}

function total(intervals: Iterable<Interval>): Interval {
  let low = 0;
  let high = 0;
  for (const interval of intervals) {
    low += interval.low;
    high += interval.high;
  }
  return { low, high };
}

function showInterval({ low, high }: Interval): string {
  return low === high ? String(low) : `[${low}, ${high}]`;
}

/**
 * Money is conserved: every replica's total (and each account) equals the initial money plus acked
 * deposits minus acked applied withdrawals, within the interval that info operations leave open.
 */
export function checkConservation(history: History, initialAccounts: readonly InitialAccount[], finalStates: readonly BranchState[]): InvariantResult {
  if (finalStates.length === 0) return noStates('conservation');
  const expected = expectedBalances(history, initialAccounts);
  const expectedTotal = total(expected.values());
  const violations: string[] = [];
  for (const replica of finalStates) {
    const balances = Object.entries(replica.accounts).map(([account, { balance }]) => ({ account, balance }));
    const sum = balances.reduce((sum, { balance }) => sum + balance, 0);
    if (sum < expectedTotal.low || sum > expectedTotal.high) {
      violations.push(`${replica.branch}: the total is ${sum}, expected ${showInterval(expectedTotal)}`);
    }
    const accounts = new Set([...expected.keys(), ...balances.map(({ account }) => account)]);
    for (const account of [...accounts].sort()) {
      const balance = replica.accounts[account]?.balance ?? 0;
      const interval = expected.get(account) ?? { low: 0, high: 0 };
      if (balance < interval.low || balance > interval.high) {
        violations.push(`${replica.branch}: ${account} holds ${balance}, expected ${showInterval(interval)}`);
      }
    }
  }
  return result('conservation', violations, [`every replica's total lies in ${showInterval(expectedTotal)}`]);
}

/** No balance is ever observed negative: not in any acked answer, nor in any final state. */
export function checkNonNegative(history: History, finalStates: readonly BranchState[]): InvariantResult {
  const violations: string[] = [];
  for (const call of pairCalls(history)) {
    if (call.completion !== 'ok') continue;
    for (const field of ['balance', 'fromBalance', 'toBalance']) {
      const balance = record(call.value)[field];
      if (typeof balance === 'number' && balance < 0) {
        violations.push(`op ${call.index} (process ${call.process}, ${call.f}) saw ${field} ${balance}`);
      }
    }
  }
  for (const replica of finalStates) {
    for (const [account, { balance }] of Object.entries(replica.accounts)) {
      if (balance < 0) violations.push(`${replica.branch}: ${account} ends at ${balance}`);
    }
  }
  return result('non-negative', violations);
}

/** After heal and quiescence every replica holds the same balances (versions are not compared). */
export function checkConvergence(finalStates: readonly BranchState[]): InvariantResult {
  if (finalStates.length === 0) return noStates('convergence');
  const accounts = new Set(finalStates.flatMap((replica) => Object.keys(replica.accounts)));
  const violations: string[] = [];
  for (const account of [...accounts].sort()) {
    const seen = finalStates.map((replica) => ({ branch: replica.branch, balance: replica.accounts[account]?.balance }));
    if (new Set(seen.map(({ balance }) => balance)).size > 1) {
      violations.push(`${account}: ${seen.map(({ branch, balance }) => `${branch}=${balance ?? 'missing'}`).join(' ')}`);
    }
  }
  return result('convergence', violations, [`${finalStates.length} replicas agree on ${accounts.size} accounts`]);
}

/**
 * Exactly-once: no request id is applied twice on any replica, and every request the client saw
 * applied (an ok deposit, an ok withdraw or transfer with applied=true) is applied on every replica.
 */
export function checkExactlyOnce(history: History, finalStates: readonly BranchState[]): InvariantResult {
  if (finalStates.length === 0) return noStates('exactly-once');
  const violations: string[] = [];
  for (const replica of finalStates) {
    const times = new Map<string, number>();
    for (const { requestId, account, times: count } of replica.applied) {
      const key = `${requestId}\u0000${account}`;
      times.set(key, (times.get(key) ?? 0) + count);
    }
    for (const [key, count] of times) {
      const [requestId, account] = key.split('\u0000');
      if (count > 1) violations.push(`${replica.branch}: request ${requestId} applied ${count} times to ${account}`);
    }
  }
  const appliedIds = finalStates.map((replica) => new Set(replica.applied.filter((entry) => entry.times > 0).map((entry) => entry.requestId)));
  for (const { call, outcome } of requestsOf(history)) {
    const id = requestIdOf(call);
    if (outcome !== 'applied' || id === undefined) continue;
    for (const [position, replica] of finalStates.entries()) {
      if (!appliedIds[position]?.has(id)) {
        violations.push(`${replica.branch}: acked request ${id} (${call.f}, op ${call.index}) is not applied`);
      }
    }
  }
  return result('exactly-once', violations);
}
