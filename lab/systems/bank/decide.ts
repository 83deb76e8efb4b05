// The bank's rules as pure functions: given an operation and the current state of its accounts,
// the updates to apply and the reply to give. Every strategy decides with these; they differ only
// in where the state comes from and how the decision is made to stick.
// Try it: `decide({ kind: 'withdraw', account: 'a1', amount: 5 }, [{ account: 'a1', balance: 3, version: 1 }])`.
import type { DepositReply, TransferReply, WithdrawReply } from '../../../proto/index.js';
import type { AccountRecord, Update } from './records.js';

export type Operation = (
  | { kind: 'deposit'; account: string; amount: number }
  | { kind: 'withdraw'; account: string; amount: number }
  | { kind: 'transfer'; from: string; to: string; amount: number }
) & {
  /** A conditional write: the version each of these accounts must be at when it is decided. */
  expected?: readonly { account: string; version: number }[];
};

export type Reply = DepositReply | WithdrawReply | TransferReply;

export interface Decision<R extends Reply = Reply> {
  /** Empty when the operation is refused (insufficient funds): nothing changes, the reply is kept. */
  updates: Update[];
  reply: R;
}

export function accountsOf(operation: Operation): string[] {
  return operation.kind === 'transfer' ? [operation.from, operation.to] : [operation.account];
}

export function decide(operation: Operation, states: readonly AccountRecord[]): Decision {
  switch (operation.kind) {
    case 'deposit': {
      const account = stateOf(states, operation.account);
      const update = change(account, operation.amount);
      return { updates: [update], reply: { balance: update.balance, version: update.version } };
    }
    case 'withdraw': {
      const account = stateOf(states, operation.account);
      if (account.balance < operation.amount) {
        return { updates: [], reply: { applied: false, balance: account.balance, version: account.version } };
      }
      const update = change(account, -operation.amount);
      return { updates: [update], reply: { applied: true, balance: update.balance, version: update.version } };
    }
    case 'transfer': {
      const from = stateOf(states, operation.from);
      const to = stateOf(states, operation.to);
      if (from.balance < operation.amount) {
        return { updates: [], reply: transferReply(false, from, to) };
      }
      const debit = change(from, -operation.amount);
      const credit = change(to, operation.amount);
      return { updates: [debit, credit], reply: transferReply(true, debit, credit) };
    }
  }
}

function change(account: AccountRecord, delta: number): Update {
  return { account: account.account, balance: account.balance + delta, version: account.version + 1, delta };
}

function transferReply(applied: boolean, from: AccountRecord, to: AccountRecord): TransferReply {
  return {
    applied, fromBalance: from.balance, toBalance: to.balance, fromVersion: from.version, toVersion: to.version,
  };
}

function stateOf(states: readonly AccountRecord[], account: string): AccountRecord {
  const state = states.find((entry) => entry.account === account);
  // The caller looked every account up first; a missing one is a programming error.
  if (state === undefined) throw new Error(`decide: no state for account ${account}`);
  return state;
}

/** Why a conditional write must not apply on these states (an account moved past the version it expected), or undefined. */
export function expectationProblem(operation: Operation, states: readonly AccountRecord[]): string | undefined {
  for (const expected of operation.expected ?? []) {
    const state = stateOf(states, expected.account);
    if (state.version !== expected.version) return `${expected.account} is at version ${state.version}, the write expected ${expected.version}`;
  }
  return undefined;
}

/**
 * What a serialization point checks before it applies a decision it did not make itself: every
 * update moves its account exactly one version on from the current state, and no balance goes
 * below zero. A failed check means the caller decided on stale state.
 */
export function updateProblem(update: Update, current: AccountRecord | undefined): string | undefined {
  if (current === undefined) return `unknown account ${update.account}`;
  if (!Number.isSafeInteger(update.delta) || update.delta === 0) return `bad delta ${update.delta} on ${update.account}`;
  if (update.version !== current.version + 1) {
    return `${update.account} is at version ${current.version}, the update is for ${update.version - 1}`;
  }
  if (update.balance !== current.balance + update.delta) return `${update.account}: balance does not match the delta`;
  if (update.balance < 0) return `${update.account} would go below zero`;
  return undefined;
}
