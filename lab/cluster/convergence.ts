// Waiting for a cluster to settle after a run: every branch holds the same balances, nothing is left
// in an outbox, and two polls in a row saw the same thing. Bounded; the caller judges the outcome.
import type { BranchState } from '../../models/index.js';
import type { Cluster } from './cluster.js';
import { sleep } from './rpc.js';

export interface Settled {
  /** Every branch holds the same balance for every account. */
  agreed: boolean;
  states: BranchState[];
  waitedMs: number;
}

export interface SettleConstraints {
  timeoutMs?: number;
  pollMs?: number;
  /** How long an unchanged disagreement (with empty outboxes) must last before it counts as final. */
  quietMs?: number;
}

const settleTimeoutDefaultMs = 10_000;
const settlePollDefaultMs = 50;
const settleQuietDefaultMs = 1_000;

export async function waitForSettled(cluster: Cluster, constraints: SettleConstraints = {}): Promise<Settled> {
  const timeoutMs = constraints.timeoutMs ?? settleTimeoutDefaultMs;
  const pollMs = constraints.pollMs ?? settlePollDefaultMs;
  const quietMs = constraints.quietMs ?? settleQuietDefaultMs;
  const started = performance.now();
  let previous = '';
  let unchangedSince = started;
  for (;;) {
    const states = await cluster.snapshot();
    const now = performance.now();
    const fingerprint = JSON.stringify(states.map((state) => [state.accounts, state.outbox]));
    if (fingerprint !== previous) unchangedSince = now;
    const stable = fingerprint === previous;
    previous = fingerprint;
    const agreed = balancesAgree(states);
    const drained = states.every((state) => state.outbox === 0);
    const waitedMs = now - started;
    if (stable && drained && (agreed || now - unchangedSince >= quietMs)) return { agreed, states, waitedMs };
    if (waitedMs >= timeoutMs) return { agreed: agreed && drained, states, waitedMs };
    await sleep(pollMs);
  }
}

export function balancesAgree(states: BranchState[]): boolean {
  const [first, ...rest] = states;
  if (first === undefined) return true;
  const reference = balancesOf(first);
  return rest.every((state) => balancesOf(state) === reference);
}

function balancesOf(state: BranchState): string {
  const entries = Object.entries(state.accounts).map(([account, value]) => [account, value.balance] as const);
  entries.sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return JSON.stringify(entries);
}

/** The balance of one account on every branch, in branch order; undefined where it is missing. */
export function balancesOfAccount(states: BranchState[], account: string): (number | undefined)[] {
  return states.map((state) => state.accounts[account]?.balance);
}
